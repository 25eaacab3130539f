"""``minicnn explain pool``: max, min or average pooling, step by step, and where the gradient
goes.

Pooling reads the same windows as convolution (``ops.im2col``) and reduces each one instead of
multiplying it by weights. The input holds 1 … ΠS in a scrambled order, so that no window has
a tie; the output's gradient counts 1, 2, 3, …, so that every entry of ``dx`` tells which
output it came from. The forward and backward results are those of ``ops.pool``.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops.geometry import as_int
from ..ops.im2col import col2im, im2col
from ..ops.pool import (
    avg_pool_backward,
    avg_pool_forward,
    max_pool_backward,
    max_pool_forward,
    min_pool_forward,
)
from .conv import AXES
from .layout import grid, index_labels, labelled_matrix, marks

KINDS = ("max", "avg", "min")
#: Columns of the window matrix worth printing (N·ΠO).
MAX_COLUMNS = 40


def example_input(input_shape) -> np.ndarray:
    """1 … ΠS scrambled without ties: position i (in memory order) holds (m·i mod ΠS) + 1 with
    m the first of 7, 5, 3, 11, 13, … that shares no factor with ΠS. float64."""
    size = math.prod(input_shape)
    step = next(m for m in (7, 5, 3, 11, 13, 17, 19, 23, 29, 31) if math.gcd(m, size) == 1)
    return (np.arange(size) * step % size + 1.0).reshape(input_shape)


def explain_pool(
    kind="max",
    input_shape=(1, 1, 4, 4),
    kernel_size=2,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
) -> str:
    """The text of ``minicnn explain pool``.

    kind:        'max', 'avg' or 'min'
    input_shape: (N, C, *S) with 1, 2 or 3 spatial axes
    kernel_size, stride (default: kernel_size), padding: int or one int per spatial axis
    Raises ``ValueError`` for a configuration pooling refuses, or one too big to print.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    input_shape = tuple(as_int(s, "input shape", 1) for s in input_shape)
    ndim = len(input_shape) - 2
    if ndim not in AXES:
        raise ValueError(
            f"input shape must be (N, C, *spatial) with 1 to 3 spatial axes, got {input_shape}"
        )
    x = example_input(input_shape)
    if kind == "avg":
        y, cache = avg_pool_forward(x, kernel_size, stride, padding, ceil_mode, count_include_pad)
    else:
        forward = max_pool_forward if kind == "max" else min_pool_forward
        y, cache = forward(x, kernel_size, stride, padding, ceil_mode)
    columns = input_shape[0] * math.prod(y.shape[2:])
    if columns > MAX_COLUMNS:
        raise ValueError(
            f"the window matrix would have {columns} columns (N·ΠO); an example meant to be "
            f"read stays within {MAX_COLUMNS}: choose a smaller input shape or a larger stride"
        )
    return _PoolSteps(kind, x, y, cache, padding, ceil_mode, count_include_pad).text()


class _PoolSteps:
    """The numbers of one pooling example: x (N, C, *S), the windows (C, ΠK, N·ΠO) read by
    im2col, y (N, C, *O), and the backward pass for dy = 1, 2, 3, …"""

    def __init__(self, kind, x, y, cache, padding, ceil_mode, count_include_pad):
        self.kind, self.x, self.y, self.cache = kind, x, y, cache
        self.padding, self.ceil_mode, self.count_include_pad = padding, ceil_mode, count_include_pad
        self.kernel, self.stride, self.pads = cache.kernel_size, cache.stride, cache.padding
        self.ndim = len(self.kernel)
        self.axes = AXES[self.ndim]
        self.n, self.c = x.shape[:2]
        self.out = y.shape[2:]
        self.fill = {"max": -np.inf, "min": np.inf, "avg": 0.0}[kind]
        cols = im2col(x, self.kernel, self.stride, self.pads, (1,) * self.ndim, self.out, self.fill)
        self.windows = cols.reshape(self.c, math.prod(self.kernel), -1)  # (C, ΠK, N·ΠO)
        self.tap_names = tuple(f"k{a}" for a in self.axes)
        self.tap_labels = index_labels(self.kernel)
        self.column_names = ("n", *(f"o{a}" for a in self.axes))
        self.column_labels = index_labels((self.n, *self.out))

    def text(self) -> str:
        parts = [self.header(), self.output_size(), self.padded_input(), self.reduce()]
        return "\n\n".join([*parts, self.backward()]) + "\n"

    def header(self) -> str:
        name = {"max": "Max", "avg": "Average", "min": "Min"}[self.kind]
        spatial = ", ".join(a.upper() for a in self.axes)
        extra = f", count_include_pad {self.count_include_pad}" if self.kind == "avg" else ""
        return (
            f"{name} pooling, {self.ndim}-d: x (N, C, {spatial}) = {self.x.shape}\n"
            f"kernel_size {self.kernel}, stride {self.stride}, padding "
            f"{tuple(lo for lo, _ in self.pads)}, ceil_mode {self.ceil_mode}{extra}\n"
            f"x holds 1 … {self.x.size} in a scrambled order (no ties); no weights: pooling "
            f"has no parameters."
        )

    def output_size(self) -> str:
        formula = "⌈(S + 2P − K) / stride⌉" if self.ceil_mode else "⌊(S + 2P − K) / stride⌋"
        lines = [f"1. Output size, per axis: O = {formula} + 1"]
        if self.ceil_mode:
            lines.append("   (ceil_mode: minus one if the last window would start in the padding)")
        for a, s, k, st, (lo, _), o in zip(
            self.axes, self.x.shape[2:], self.kernel, self.stride, self.pads, self.out
        ):
            rounded = (
                f"⌈({s} + 2·{lo} − {k}) / {st}⌉"
                if self.ceil_mode
                else (f"⌊({s} + 2·{lo} − {k}) / {st}⌋")
            )
            lines.append(f"   {a.upper()}: {rounded} + 1 → {o}")
        return "\n".join(lines)

    def padded_input(self) -> str:
        padded = np.pad(self.x, [(0, 0), (0, 0), *self.pads], constant_values=self.fill)
        why = {
            "max": "-inf, so padding never wins",
            "min": "inf, so padding never wins",
            "avg": "0; the divisor decides whether padding counts",
        }[self.kind]
        lines = [f"2. Padded input x_padded {padded.shape}, padded with {why}"]
        if any(hi > lo for lo, hi in self.pads):
            lines.append(
                "   (ceil_mode: the last window hangs past the input; that part is padded)"
            )
        lines += self._per_channel(padded, "c")
        return "\n".join(lines)

    def reduce(self) -> str:
        rows = math.prod(self.kernel)
        lines = [
            f"3. Windows: im2col(x) viewed as (C, ΠK, N·ΠO): for each channel a {rows} × "
            f"{self.windows.shape[2]} matrix,",
            "   one row per kernel tap, one column per (image, output position): each column is "
            "one window.",
        ]
        if self.kind == "avg":
            divisors = np.broadcast_to(self.cache.routing, (self.n, *self.out)).reshape(-1)
            lines.append(
                "   y = column sum / divisor; the divisor counts the window's positions "
                + ("inside the padded input" if self.count_include_pad else "inside the input")
            )
        else:
            winners = self.cache.routing.reshape(self.c, -1)  # (C, N·ΠO)
            lines.append(
                f"   y = the column's {self.kind}imum; its winner is the first row holding it "
                f"(window order)"
            )
        for c in range(self.c):
            matrix = self.windows[c]
            if self.kind == "avg":
                extra, names = (
                    [matrix.sum(axis=0), divisors, self.y[:, c].reshape(-1)],
                    (
                        "sum",
                        "divisor",
                        "y",
                    ),
                )
            else:
                extra, names = [self.y[:, c].reshape(-1), winners[c]], ("y", "winner")
            labels = [*self.tap_labels] + [(name, *[""] * (self.ndim - 1)) for name in names]
            lines += [
                f"   c={c}",
                labelled_matrix(
                    np.vstack([matrix, *extra]),
                    self.tap_names,
                    labels,
                    self.column_names,
                    self.column_labels,
                ),
            ]
        lines.append(f"   y {self.y.shape}, as ops.pool's {self.kind}_pool_forward returns it:")
        lines += self._per_channel(self.y, "c")
        return "\n".join(lines)

    def backward(self) -> str:
        dy = np.arange(1.0, self.y.size + 1).reshape(self.y.shape)
        dy_columns = dy.swapaxes(0, 1).reshape(self.c, 1, -1)  # (C, 1, N·ΠO)
        if self.kind == "avg":
            divisors = np.broadcast_to(self.cache.routing, (self.n, *self.out)).reshape(1, 1, -1)
            dcols = np.broadcast_to(dy_columns / divisors, self.windows.shape)
            dx = avg_pool_backward(dy, self.cache)
            rule = "dy / divisor in every row:\n   the gradient is shared evenly by the window"
        else:
            taps = np.arange(math.prod(self.kernel)).reshape(1, -1, 1)
            winners = self.cache.routing.reshape(self.c, 1, -1)
            dcols = np.where(taps == winners, dy_columns, 0.0)
            dx = max_pool_backward(dy, self.cache)
            rule = "dy in the winner's row, 0 in the others:\n   only the winner receives gradient"
        folded = col2im(
            dcols.reshape(self.c, *self.kernel, self.n, *self.out),
            self.x.shape,
            self.kernel,
            self.stride,
            self.pads,
            (1,) * self.ndim,
        )
        if not np.allclose(folded, dx, rtol=0, atol=1e-12):
            raise AssertionError("explain's col2im disagrees with ops.pool's backward")
        lines = [
            "Backward: dy counts 1, 2, 3, … over (N, C, *O), so each gradient shows which output "
            "sent it.",
            "",
            f"4. dcols: column (n, o) of channel c gets {rule}",
        ]
        for c in range(self.c):
            lines += [
                f"   c={c}",
                labelled_matrix(
                    dcols[c], self.tap_names, self.tap_labels, self.column_names, self.column_labels
                ),
            ]
        lines.append(
            f"\n5. dx = col2im(dcols), adding where windows overlap; ops.pool's "
            f"{'avg' if self.kind == 'avg' else 'max'}_pool_backward gives the same"
        )
        lines += self._per_channel(dx, "c")
        lines.append("   Positions that receive gradient (#):")
        lines += self._per_channel(dx != 0, "c", draw=marks)
        return "\n".join(lines)

    def _per_channel(self, array, name, draw=grid) -> list[str]:
        lines = []
        for n in range(array.shape[0]):
            for c in range(array.shape[1]):
                lines += [f"   n={n} {name}={c}", draw(array[n, c], indent=5)]
        return lines
