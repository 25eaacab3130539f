"""``minicnn explain receptive-field`` and ``minicnn explain params``: seed 001's arithmetic.

Receptive field of a stack of sliding windows, per axis, layer by layer:

    r_l = r_(l−1) + (K_l − 1)·D_l·j_(l−1)      input positions one output sees (r_0 = 1)
    j_l = j_(l−1)·S_l                          input distance between neighbouring outputs

The field is also shown the way backpropagation finds it: the gradient of one output of the
stack (``ops.conv_backward`` through every layer, weights all 1) is non-zero exactly on the
input positions that output sees. Parameters are counted on the engine's own layers.
"""

from __future__ import annotations

import re

import numpy as np

from ..nn import Conv2d
from ..ops.conv import conv_backward, conv_forward
from .layout import marks

LAYER = re.compile(r"(conv|pool)(\d+)(?::s(\d+))?(?::d(\d+))?")


def parse_layer(text: str) -> tuple[str, int, int, int]:
    """``'conv3'`` → ('conv', 3, 1, 1); ``'conv3:s2'``, ``'conv3:d2'``; ``'pool2'`` → ('pool',
    2, 2, 1) (pooling's stride defaults to its kernel, as in PyTorch)."""
    match = LAYER.fullmatch(text)
    if not match or int(match[2]) < 1:
        raise ValueError(
            f"a layer is conv<K> or pool<K>, optionally followed by :s<stride> and :d<dilation> "
            f"(e.g. conv3, conv3:s2, pool2), got {text!r}"
        )
    kind, kernel = match[1], int(match[2])
    stride = int(match[3]) if match[3] else (kernel if kind == "pool" else 1)
    dilation = int(match[4]) if match[4] else 1
    if stride < 1 or dilation < 1:
        raise ValueError(f"stride and dilation must be >= 1, got {text!r}")
    return kind, kernel, stride, dilation


def receptive_field(layers) -> list[tuple[int, int]]:
    """(r, j) after each layer of ``layers`` [(kind, K, S, D), …], starting from (1, 1)."""
    fields = [(1, 1)]
    for _, k, s, d in layers:
        r, j = fields[-1]
        fields.append((r + (k - 1) * d * j, j * s))
    return fields


def explain_receptive_field(layers=("conv3", "conv3"), channels=64) -> str:
    """The text of ``minicnn explain receptive-field``: the field of a stack of square 2-d
    layers, seen by the formula and by backpropagation, and the weights of the stack against
    one convolution covering the same field (``channels`` in and out of every conv)."""
    parsed = [parse_layer(layer) for layer in layers]
    if not parsed:
        raise ValueError("give at least one layer, e.g. conv3 conv3")
    fields = receptive_field(parsed)
    lines = [
        "Receptive field of a stack of 2-d layers, per axis:",
        "  r = r_prev + (K − 1)·D·j_prev   input positions one output sees",
        "  j = j_prev·S                    input distance between neighbouring outputs",
        "",
        f"  {'layer':<10}{'K':>3}{'S':>3}{'D':>3}   {'r':<28}{'j':>3}",
        f"  {'input':<10}{'':>9}   {'1':<28}{1:>3}",
    ]
    for (_, k, s, d), name, (r_prev, j_prev), (r, j) in zip(parsed, layers, fields, fields[1:]):
        formula = f"{r_prev} + ({k} − 1)·{d}·{j_prev} = {r}"
        lines.append(f"  {name:<10}{k:>3}{s:>3}{d:>3}   {formula:<28}{j:>3}")
    r, j = fields[-1]
    lines += ["", f"One output of the stack sees {r}×{r} input positions."]
    if r <= 40:
        lines += ["", *_seen_by_backprop(parsed, r, j)]
    lines += ["", *_weights_against_one_conv(parsed, r, j, channels)]
    return "\n".join(lines) + "\n"


def _seen_by_backprop(layers, r, j) -> list[str]:
    """The input positions that receive gradient from one output, through ops.conv_backward."""
    size = r + 2 * j  # room for three outputs per axis; the middle one is traced back
    x = np.zeros((1, 1, size, size))
    caches = []
    for _, k, s, d in layers:
        x, cache = conv_forward(x, np.ones((1, 1, k, k)), None, s, 0, d)
        caches.append(cache)
    grad = np.zeros_like(x)
    grad[0, 0, 1, 1] = 1.0
    for cache in reversed(caches):
        grad, _, _ = conv_backward(grad, cache)
    return [
        f"Seen by backpropagation: the gradient of the middle output of a {size}×{size} input,",
        "sent back through every layer by ops.conv_backward (weights 1): # where it is not 0",
        marks(grad[0, 0] != 0, indent=2),
    ]


def _weights_against_one_conv(layers, r, j, channels) -> list[str]:
    convs = [(k, s, d) for kind, k, s, d in layers if kind == "conv"]
    if not convs:
        return ["Pooling has no weights."]
    c = channels
    stack = sum(_conv_weights(c, k) for k, _, _ in convs)
    single = _conv_weights(c, r, stride=j)
    terms = " + ".join(f"{k}·{k}·C·C" for k, _, _ in convs)
    ratio = stack / single
    single_name = f"one {r}×{r} conv" + (f", stride {j}" if j > 1 else "")
    return [
        f"Weights for C = {c} channels in and out of every conv (no bias), counted on Conv2d:",
        f"  {'the stack:':<{len(single_name) + 3}}{terms} = {stack:,}",
        f"  {single_name + ':':<{len(single_name) + 3}}{r}·{r}·C·C = {single:,}",
        f"  the stack needs {ratio:.0%} of the weights for the same field, and has a ReLU "
        f"between its layers",
    ]


def _conv_weights(channels, kernel, stride=1) -> int:
    conv = Conv2d(channels, channels, kernel, stride=stride, bias=False)
    return sum(p.data.size for p in conv.parameters())


def explain_params() -> str:
    """The text of ``minicnn explain params``: seed 001's parameter counts."""
    conv = Conv2d(3, 4, kernel_size=5)
    y = conv(np.zeros((1, 3, 32, 32), np.float32))
    conv_weights = sum(p.data.size for p in conv.parameters())
    inputs, outputs = 32 * 32 * 3, int(np.prod(y.shape[1:]))
    dense = inputs * outputs + outputs  # Linear(3072, 3136): weight and bias, not allocated

    in_ch, reduce, out_ch, size = 192, 16, 32, 28
    direct = _count(Conv2d(in_ch, out_ch, 5, padding=2))
    reduced = _count(Conv2d(in_ch, reduce, 1)) + _count(Conv2d(reduce, out_ch, 5, padding=2))
    direct_macs = 5 * 5 * in_ch * out_ch * size * size
    reduced_macs = (in_ch * reduce + 5 * 5 * reduce * out_ch) * size * size
    return (
        "1. Convolution against a fully-connected layer, 32×32×3 → 28×28×4\n"
        f"   Conv2d(3, 4, kernel_size=5) maps (1, 3, 32, 32) to {tuple(y.shape)}:\n"
        f"     4·3·5·5 weights + 4 biases = {conv_weights:,} parameters, shared by all "
        f"{28 * 28} positions\n"
        f"   Linear({inputs}, {outputs}) for the same shapes:\n"
        f"     {inputs:,}·{outputs:,} weights + {outputs:,} biases = {dense:,} parameters\n"
        f"   the convolution needs {dense // conv_weights:,} times fewer\n"
        "\n"
        f"2. A 1×1 convolution reduces channels first (GoogLeNet's Inception 3a, 5×5 branch,\n"
        f"   {in_ch} channels in at {size}×{size}, {out_ch} out, biases included)\n"
        f"   {'5×5 conv ' + f'{in_ch}→{out_ch}':<38}{direct:>8,} parameters "
        f"{direct_macs:>12,} mult-adds\n"
        f"   {f'1×1 conv {in_ch}→{reduce}, 5×5 conv {reduce}→{out_ch}':<38}{reduced:>8,} "
        f"parameters {reduced_macs:>12,} mult-adds\n"
        f"   the 1×1 reduction keeps {reduced / direct:.0%} of the parameters and "
        f"{reduced_macs / direct_macs:.0%} of the work\n"
        "\n"
        "3. Two stacked 3×3 convolutions see 5×5 with fewer weights than one 5×5 "
        "(C channels, no bias):\n"
        f"   2·3·3·C·C = 18·C² against 5·5·C·C = 25·C²; for C = 64: "
        f"{_conv_weights(64, 3) * 2:,} against {_conv_weights(64, 5):,}\n"
        "   (minicnn explain receptive-field conv3 conv3 shows the field)\n"
    )


def _count(module) -> int:
    return sum(p.data.size for p in module.parameters())
