"""The ``minicnn`` command line."""

from __future__ import annotations

import argparse
import math

import numpy as np

from . import __version__
from .gradcheck import gradcheck
from .nn import Conv1d, Conv2d, Conv3d
from .ops.conv import conv_backward, conv_forward
from .random import manual_seed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="minicnn", description="A from-scratch convolution engine with hand-written backprop."
    )
    parser.add_argument("--version", action="version", version=f"minicnn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="convolve, backpropagate and gradient-check a small input, step by step"
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        run_demo(args.seed)
    return 0


def run_demo(seed: int) -> None:
    """Walk one 2-d convolution through forward, backward and a finite-difference check."""
    manual_seed(seed)
    rng = np.random.default_rng(seed)
    conv = Conv2d(1, 2, kernel_size=3, padding=1)
    weight, bias = conv.weight.data, conv.bias.data
    x = rng.standard_normal((2, 1, 5, 5)).astype(np.float32)
    print("minicnn demo: one convolution, forward and backward, checked by finite differences\n")
    print(f"layer      {conv!r}")
    print(f"parameters weight {weight.shape} + bias {bias.shape} = {weight.size + bias.size}")
    print(f"input      x {x.shape} {x.dtype}")

    y, cache = conv_forward(x, weight, bias, conv.stride, conv.padding)
    rows, columns = math.prod(cache.cols.shape[:3]), math.prod(cache.cols.shape[3:])
    print(
        f"im2col     columns {cache.cols.shape}, a {rows} × {columns} matrix: one row per "
        f"(channel, kernel tap), one column per (image, output position)"
    )
    print(
        f"GEMM       weight ({conv.out_channels} × {rows}) @ columns ({rows} × {columns}) "
        f"→ ({conv.out_channels} × {columns}), plus bias, reshaped to (N, C_out, H, W)"
    )
    h, k, p, s = x.shape[2], conv.kernel_size[0], conv.padding[0], conv.stride[0]
    print(
        f"output     y {y.shape} {y.dtype}: O = (H + 2P − K)/S + 1 = ({h} + 2·{p} − {k})/{s}"
        f" + 1 = {y.shape[2]}"
    )

    # L = ½‖y‖², so dL/dy = y.
    dx, dweight, dbias = conv_backward(y, cache)
    print(
        f"backward   L = ½‖y‖², dL/dy = y: col2im gives dL/dx {dx.shape}; dL/dweight "
        f"{dweight.shape} and dL/dbias {dbias.shape} come from the GEMM"
    )

    def loss(w):
        return 0.5 * float(np.sum(conv_forward(x.astype(np.float64), w, bias, 1, 1)[0] ** 2))

    tap, eps = (1, 0, 1, 1), 1e-6
    step = np.zeros(weight.shape)
    step[tap] = eps
    numerical = (loss(weight + step) - loss(weight - step)) / (2 * eps)
    print(
        f"by hand    dL/dweight{list(tap)}: backward {float(dweight[tap]):.6f}, central "
        f"difference in float64 {numerical:.6f}"
    )

    for layer, shape in [
        (Conv1d(2, 4, kernel_size=3, stride=2, padding=1), (2, 2, 9)),
        (conv, x.shape),
        (Conv3d(2, 2, kernel_size=2, dilation=2, groups=2), (1, 2, 4, 4, 4)),
    ]:
        gradcheck(layer, rng.standard_normal(shape), mode="full")
        print(
            f"gradcheck  {type(layer).__name__} on {shape}: the full Jacobian of the input, "
            f"weight and bias agrees with finite differences"
        )
