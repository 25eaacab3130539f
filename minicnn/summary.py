"""Per-layer profile of a model (seed 004 §6): output shape, weights, activation memory and
multiply-adds for one example.

    weights   conv: k·k·c_in·c_out (+ c_out bias)      linear: in·out (+ out)
    memory    m·m·c values: the layer's output feature map
    compute   conv: k·k·m·m·c_in·c_out multiply-adds    linear: in·out

(for groups, c_in is per group; for 1-d and 3-d layers k·k and m·m become Πkernel and
Πoutput). The model runs once on a zero input in evaluation mode while each leaf layer's
output shape is recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .backend import get_array_module
from .nn import Linear
from .nn.conv import _ConvNd
from .nn.module import evaluation_mode


@dataclass(frozen=True)
class LayerProfile:
    name: str
    kind: str
    output_shape: tuple[int, ...]
    weights: int
    memory: int
    multiply_adds: int


def profile(model, input_shape) -> list[LayerProfile]:
    """One ``LayerProfile`` per leaf layer, in the order they run, for one example (on the
    model's device); the model is left as it was, each module in its own mode."""
    xp = get_array_module(*(p.data for p in model.parameters()))
    rows = []
    leaves = [(name, m) for name, m in model.named_modules() if not any(m.children())]
    for name, module in leaves:
        module.forward = _recorder(module, name, rows)
    try:
        with evaluation_mode(model):
            model(xp.zeros((1, *input_shape), np.float32))
    finally:
        for _, module in leaves:
            del module.forward
    return rows


def format_profile(rows: list[LayerProfile], bytes_per_value: int = 4) -> str:
    """A table of ``rows`` with totals; memory in values and in MiB at ``bytes_per_value``."""
    header = f"{'layer':<22}{'output':>20}{'weights':>14}{'memory':>12}{'mult-adds':>16}"
    lines = [header, "-" * len(header)]
    for row in rows:
        shape = "×".join(map(str, row.output_shape))
        lines.append(
            f"{row.name + ' ' + row.kind:<22}{shape:>20}{row.weights:>14,}"
            f"{row.memory:>12,}{row.multiply_adds:>16,}"
        )
    weights = sum(r.weights for r in rows)
    memory = sum(r.memory for r in rows)
    compute = sum(r.multiply_adds for r in rows)
    lines += [
        "-" * len(header),
        f"{'total':<42}{weights:>14,}{memory:>12,}{compute:>16,}",
        f"weights {weights * bytes_per_value / 2**20:.1f} MiB, activations "
        f"{memory * bytes_per_value / 2**20:.1f} MiB per example, {compute / 1e6:,.1f} M "
        f"multiply-adds",
    ]
    return "\n".join(lines)


def _recorder(module, name, rows):
    forward = type(module).forward

    def record(*inputs):
        y = forward(module, *inputs)
        rows.append(
            LayerProfile(
                name,
                type(module).__name__,
                tuple(y.shape[1:]),
                sum(p.data.size for p in module.parameters()),
                y[0].size,
                _multiply_adds(module, y),
            )
        )
        return y

    return record


def _multiply_adds(module, y) -> int:
    if isinstance(module, _ConvNd):
        per_output = module.in_channels // module.groups * math.prod(module.kernel_size)
        return y[0].size * per_output
    if isinstance(module, Linear):
        return module.in_features * module.out_features * (y[0].size // module.out_features)
    return 0
