"""``minicnn explain conv``: one small convolution, step by step, on numbers you can check by
hand.

The input counts 1, 2, 3, … in memory order and the weight repeats 1, 0, −1, so every entry of
every matrix printed can be recomputed with pencil and paper. The steps are the engine's own:
``ops.im2col`` unrolls the padded input into the ``(C_in, *K, N, *O)`` columns, one GEMM per
group multiplies them by the weight viewed as a matrix, the result is reshaped to
``(N, C_out, *O)``; ``--backward`` runs ``dcols = Wᵀ @ dY`` and ``ops.col2im``. The result is
compared with ``ops.conv_forward`` / ``ops.conv_backward`` before it is printed.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops.conv import check_groups, conv_backward, conv_forward
from ..ops.geometry import as_int, as_tuple, output_shape, resolve_padding
from ..ops.im2col import col2im, im2col
from .layout import grid, index_labels, labelled_matrix, number, wrap_terms

#: The largest im2col matrix worth printing: beyond it the example stops being readable.
MAX_ROWS, MAX_COLUMNS = 64, 40

AXES = {1: ("l",), 2: ("h", "w"), 3: ("d", "h", "w")}


def example_input(input_shape) -> np.ndarray:
    """x = 1, 2, 3, … in memory order, float64, shaped ``input_shape``."""
    return np.arange(1, math.prod(input_shape) + 1, dtype=np.float64).reshape(input_shape)


def example_weight(weight_shape) -> np.ndarray:
    """The weight repeating 1, 0, −1 in memory order, float64, shaped ``weight_shape``."""
    return (1.0 - np.arange(math.prod(weight_shape)) % 3).reshape(weight_shape)


def explain_conv(
    input_shape=(1, 1, 4, 4),
    out_channels=None,
    kernel_size=3,
    stride=1,
    padding=1,
    dilation=1,
    groups=1,
    backward=False,
) -> str:
    """The text of ``minicnn explain conv``.

    input_shape:  (N, C_in, *S) with 1, 2 or 3 spatial axes
    out_channels: C_out (default: ``groups``, one output channel per group)
    kernel_size, stride, dilation: int or one int per spatial axis
    padding:      int, one int per axis, ``'same'`` or ``'valid'``
    backward:     also explain the backward pass, for the loss L = Σ y
    Raises ``ValueError`` for a configuration the convolution refuses, or one too big to print.
    """
    input_shape = tuple(as_int(s, "input shape", 1) for s in input_shape)
    ndim = len(input_shape) - 2
    if ndim not in AXES:
        raise ValueError(
            f"input shape must be (N, C_in, *spatial) with 1 to 3 spatial axes, got {input_shape}"
        )
    n, c_in = input_shape[:2]
    groups = as_int(groups, "groups", 1)
    out_channels = as_int(groups if out_channels is None else out_channels, "out_channels", 1)
    check_groups(groups, c_in, "in_channels")
    check_groups(groups, out_channels)
    kernel = as_tuple(kernel_size, ndim, "kernel_size", 1)
    stride = as_tuple(stride, ndim, "stride", 1)
    dilation = as_tuple(dilation, ndim, "dilation", 1)
    pads = resolve_padding(padding, kernel, stride, dilation)
    out = output_shape(input_shape[2:], kernel, stride, pads, dilation)
    rows, columns = c_in * math.prod(kernel), n * math.prod(out)
    if rows > MAX_ROWS or columns > MAX_COLUMNS:
        raise ValueError(
            f"the im2col matrix would be {rows} × {columns}; an example meant to be read stays "
            f"within {MAX_ROWS} × {MAX_COLUMNS} (C_in·ΠK × N·ΠO): choose a smaller input shape "
            f"or kernel"
        )

    x = example_input(input_shape)
    weight = example_weight((out_channels, c_in // groups, *kernel))
    step = _Steps(x, weight, stride, padding, pads, dilation, groups, out)
    text = [step.header(), step.output_size(), step.padded_input(), step.weight_grids()]
    text += [step.columns(), step.weight_matrix(), step.gemm(), step.reshape(), step.costs()]
    if backward:
        text += [step.backward()]
    return "\n\n".join(text) + "\n"


class _Steps:
    """The numbers of one example and the text of each step. Shapes:
    x (N, C_in, *S), weight (C_out, C_in/G, *K), cols (C_in, *K, N, *O), y (N, C_out, *O)."""

    def __init__(self, x, weight, stride, padding, pads, dilation, groups, out):
        self.x, self.weight, self.groups = x, weight, groups
        self.stride, self.dilation, self.out = stride, dilation, out
        self.padding, self.pads = padding, pads  # as given, and as (lo, hi) per axis
        self.kernel = weight.shape[2:]
        self.ndim = len(self.kernel)
        self.axes = AXES[self.ndim]
        self.n, self.c_in = x.shape[:2]
        self.c_out = weight.shape[0]
        self.cols = im2col(x, self.kernel, stride, pads, dilation, out)
        self.rows_per_group = self.c_in // groups * math.prod(self.kernel)
        # The GEMM, one per group: (G, C_out/G, C_in/G·ΠK) @ (G, C_in/G·ΠK, N·ΠO).
        self.w_matrix = weight.reshape(groups, self.c_out // groups, self.rows_per_group)
        self.cols_matrix = self.cols.reshape(groups, self.rows_per_group, -1)
        self.y_matrix = self.w_matrix @ self.cols_matrix  # (G, C_out/G, N·ΠO)
        self.y = self.y_matrix.reshape(self.c_out, self.n, *out).swapaxes(0, 1)
        self.row_labels = index_labels((self.c_in, *self.kernel))
        self.column_labels = index_labels((self.n, *out))
        self.row_names = ("c", *(f"k{a}" for a in self.axes))
        self.column_names = ("n", *(f"o{a}" for a in self.axes))

    def header(self) -> str:
        spatial = ", ".join(a.upper() for a in self.axes)
        kernel = ", ".join(f"k{a.upper()}" for a in self.axes)
        padding_text = f"{self.padding!r} → " if isinstance(self.padding, str) else ""
        return (
            f"Convolution, {self.ndim}-d: x (N, C_in, {spatial}) = {self.x.shape}\n"
            f"weight (C_out, C_in/groups, {kernel}) = {self.weight.shape}, no bias\n"
            f"stride {self.stride}, padding {padding_text}{_pairs(self.pads)}, dilation "
            f"{self.dilation}, groups {self.groups}\n"
            f"Small integers, to check by hand: x counts 1, 2, 3, … in memory order;\n"
            f"the weight repeats 1, 0, −1."
        )

    def output_size(self) -> str:
        lines = ["1. Output size, per axis: O = ⌊(S + P_lo + P_hi − D·(K − 1) − 1) / stride⌋ + 1"]
        sizes = self.x.shape[2:]
        for a, s, k, st, (lo, hi), d, o in zip(
            self.axes, sizes, self.kernel, self.stride, self.pads, self.dilation, self.out
        ):
            lines.append(
                f"   {a.upper()}: ⌊({s} + {lo} + {hi} − {d}·({k} − 1) − 1) / {st}⌋ + 1 = {o}"
            )
        lines.append("   (with dilation 1 and P zeros on each side: O = (H + 2P − K)/S + 1)")
        return "\n".join(lines)

    def padded_input(self) -> str:
        padded = np.pad(self.x, [(0, 0), (0, 0), *self.pads])
        sides = ", ".join(f"{a.upper()}: {lo} + {hi}" for a, (lo, hi) in zip(self.axes, self.pads))
        lines = [f"2. Padded input x_padded {padded.shape}: zeros before + after ({sides})"]
        for n in range(self.n):
            for c in range(self.c_in):
                lines += [f"   n={n} c={c}", grid(padded[n, c], indent=5)]
        return "\n".join(lines)

    def weight_grids(self) -> str:
        lines = [f"3. Weight {self.weight.shape}: w[o, c] for output channel o, input channel c"]
        if self.groups > 1:
            per_group = self.c_in // self.groups
            lines.append(
                f"   of its group: output channel o is in group g = o // (C_out/G) = "
                f"o // {self.c_out // self.groups}\n"
                f"   and sees input channels g·{per_group} + c for c = 0 … {per_group - 1}"
            )
        for o in range(self.c_out):
            for c in range(self.weight.shape[1]):
                lines += [f"   o={o} c={c}", grid(self.weight[o, c], indent=5)]
        return "\n".join(lines)

    def columns(self) -> str:
        names = ", ".join(f"k{a.upper()}" for a in self.axes)
        outs = ", ".join(f"O{a.upper()}" for a in self.axes)
        read = ", ".join(
            f"o{a}·{s} + k{a}·{d}" for a, s, d in zip(self.axes, self.stride, self.dilation)
        )
        rows, columns = self.rows_per_group * self.groups, self.cols_matrix.shape[2]
        text = (
            f"4. im2col: cols = im2col(x), shape (C_in, {names}, N, {outs}) = {self.cols.shape},\n"
            f"   read as a {rows} × {columns} matrix.\n"
            f"   Row ({', '.join(self.row_names)}): input channel and kernel tap.\n"
            f"   Column ({', '.join(self.column_names)}): image and output position; each column "
            f"is one window.\n"
            f"   Entry = x_padded[n, c, {read}]\n"
        )
        return text + labelled_matrix(
            self.cols.reshape(rows, columns),
            self.row_names,
            self.row_labels,
            self.column_names,
            self.column_labels,
        )

    def weight_matrix(self) -> str:
        per_group = self.c_out // self.groups
        lines = [
            f"5. Weight matrix: weight {self.weight.shape} viewed as W, one row per output "
            f"channel, one column\n   per (c, tap): C_out/G × C_in/G·ΠK = {per_group} × "
            f"{self.rows_per_group}, for each of the {self.groups} group(s)"
        ]
        for g in range(self.groups):
            if self.groups > 1:
                lines.append(f"   group {g}: output channel(s) {_span(g, per_group)}")
            lines.append(
                labelled_matrix(
                    self.w_matrix[g],
                    ("o",),
                    [(o,) for o in range(g * per_group, (g + 1) * per_group)],
                    self.row_names,
                    index_labels((self.c_in // self.groups, *self.kernel)),
                )
            )
        return "\n".join(lines)

    def gemm(self) -> str:
        per_group, k = self.c_out // self.groups, self.rows_per_group
        columns = self.cols_matrix.shape[2]
        lines = [
            f"6. GEMM, per group: Y_g = W_g @ cols_g: ({per_group} × {k}) @ ({k} × {columns}) "
            f"→ ({per_group} × {columns})\n"
            f"   Y[o, column] = Σ_row W[o, row]·cols[row, column]"
        ]
        for g in range(self.groups):
            if self.groups > 1:
                lines.append(
                    f"   group {g}: W_{g} @ rows {_span(g, k)} of cols (input channel(s) "
                    f"{_span(g, self.c_in // self.groups)})"
                )
            lines.append(
                labelled_matrix(
                    self.y_matrix[g],
                    ("o",),
                    [(o,) for o in range(g * per_group, (g + 1) * per_group)],
                    self.column_names,
                    self.column_labels,
                )
            )
        column = columns // 2
        terms = [
            f"{number(w, parenthesise=True)}·{number(c, parenthesise=True)}"
            for w, c in zip(self.w_matrix[0, 0], self.cols_matrix[0, :, column])
        ]
        label = ", ".join(map(str, self.column_labels[column]))
        lines.append(f"   for example, column ({label}):")
        lines.append(
            wrap_terms("Y[0, column] = ", terms, f" = {number(self.y_matrix[0, 0, column])}", 5)
        )
        return "\n".join(lines)

    def reshape(self) -> str:
        outs = ", ".join(f"O{a.upper()}" for a in self.axes)
        flat = "·".join(f"O{a.upper()}" for a in self.axes)
        y_ref, _ = conv_forward(
            self.x, self.weight, None, self.stride, self.padding, self.dilation, self.groups
        )
        if not np.allclose(self.y, y_ref, rtol=0, atol=1e-9):
            raise AssertionError("explain's GEMM disagrees with ops.conv_forward")
        lines = [
            f"7. Reshape: Y (C_out, N·{flat}) → (C_out, N, {outs})\n"
            f"   → y (N, C_out, {outs}) = {self.y.shape}"
        ]
        for n in range(self.n):
            for o in range(self.c_out):
                lines += [f"   n={n} o={o}", grid(self.y[n, o], indent=5)]
        lines.append("   minicnn.ops.conv_forward(x, weight, …) returns the same y.")
        return "\n".join(lines)

    def costs(self) -> str:
        k = math.prod(self.kernel)
        per_out = self.c_in // self.groups * k
        weights = self.c_out * per_out
        rows, columns = self.c_in * k, self.n * math.prod(self.out)
        kernel = "·".join(map(str, self.kernel))
        return (
            f"8. Costs\n"
            f"   parameters  weight C_out·C_in/G·ΠK = {self.c_out}·{self.c_in // self.groups}·"
            f"{kernel} = {weights}, plus {self.c_out} if the layer has a bias\n"
            f"   im2col      C_in·ΠK × N·ΠO = {rows} × {columns} = {rows * columns} values "
            f"({rows * columns * 4} bytes in float32); x holds {self.x.size}\n"
            f"   mult-adds   C_out·(C_in/G·ΠK)·N·ΠO = {self.c_out}·{per_out}·{columns} = "
            f"{self.c_out * per_out * columns} (padding zeros included)"
        )

    def backward(self) -> str:
        """dcols = Wᵀ @ dY, dx = col2im(dcols), dW = dY @ colsᵀ for dY = 1 (L = Σ y)."""
        dy_matrix = np.ones_like(self.y_matrix)  # (G, C_out/G, N·ΠO)
        dcols_matrix = self.w_matrix.swapaxes(1, 2) @ dy_matrix  # (G, C_in/G·ΠK, N·ΠO)
        dcols = dcols_matrix.reshape(self.cols.shape)
        spatial_padded = (s + lo + hi for s, (lo, hi) in zip(self.x.shape[2:], self.pads))
        padded_shape = (self.n, self.c_in, *spatial_padded)
        fold = (self.kernel, self.stride, ((0, 0),) * self.ndim, self.dilation)
        dx_padded = col2im(dcols, padded_shape, *fold)
        readers = col2im(np.ones_like(self.cols), padded_shape, *fold)
        dx = col2im(dcols, self.x.shape, self.kernel, self.stride, self.pads, self.dilation)
        dweight = (dy_matrix @ self.cols_matrix.swapaxes(1, 2)).reshape(self.weight.shape)

        _, cache = conv_forward(
            self.x, self.weight, None, self.stride, self.padding, self.dilation, self.groups
        )
        dx_ref, dweight_ref, _ = conv_backward(np.ones_like(self.y), cache)
        if not (
            np.allclose(dx, dx_ref, atol=1e-9) and np.allclose(dweight, dweight_ref, atol=1e-9)
        ):
            raise AssertionError("explain's backward disagrees with ops.conv_backward")

        rows, columns = self.c_in * math.prod(self.kernel), dcols_matrix.shape[2]
        per_group, k = self.c_out // self.groups, self.rows_per_group
        lines = [
            "Backward, for the loss L = Σ y: dy = ∂L/∂y is 1 everywhere, the matrix dY "
            f"({per_group} × {columns}) per group.",
            "",
            f"9. dcols = Wᵀ @ dY, per group: ({k} × {per_group}) @ ({per_group} × {columns}) → "
            f"({k} × {columns}),\n   the gradient of each entry of cols",
            labelled_matrix(
                dcols.reshape(rows, columns),
                self.row_names,
                self.row_labels,
                self.column_names,
                self.column_labels,
            ),
            "",
            "10. col2im: each entry of dcols is added back to the position of x_padded it was "
            "read from,",
            "    one strided slice addition per kernel tap. Where windows overlap, gradients "
            "add up.",
            "    How many windows read each position of x_padded (col2im of all-ones columns):",
        ]
        lines += self._per_channel(readers)
        lines.append("    dx_padded = col2im(dcols):")
        lines += self._per_channel(dx_padded)
        lines.append(self._worked_position(dcols, readers, padded_shape))
        lines.append(f"    dx = dx_padded without its padding, {dx.shape}:")
        lines += self._per_channel(dx)
        lines += [
            "",
            f"11. dW = dY @ colsᵀ, per group: ({per_group} × {columns}) @ ({columns} × {k}), "
            f"reshaped to {self.weight.shape}:",
            "    each weight's gradient is the sum of the inputs it multiplied",
        ]
        for o in range(self.c_out):
            for c in range(self.weight.shape[1]):
                lines += [f"    o={o} c={c}", grid(dweight[o, c], indent=6)]
        lines.append("    minicnn.ops.conv_backward(dy, cache) returns the same dx and dweight.")
        return "\n".join(lines)

    def _per_channel(self, array) -> list[str]:
        """The grids of an (N, C_in, *S) array, one per image and channel."""
        lines = []
        for n in range(self.n):
            for c in range(self.c_in):
                lines += [f"    n={n} c={c}", grid(array[n, c], indent=6)]
        return lines

    def _worked_position(self, dcols, readers, padded_shape) -> str:
        """How the gradient of the most-read input position is summed from dcols."""
        interior = tuple(slice(lo, lo + s) for s, (lo, _) in zip(self.x.shape[2:], self.pads))
        counts = readers[(0, 0, *interior)]
        position = np.unravel_index(int(np.argmax(counts)), counts.shape)
        # Which entries of cols read that position: im2col of the flat index of each position.
        where = np.arange(math.prod(padded_shape), dtype=np.float64).reshape(padded_shape)
        no_pads = ((0, 0),) * self.ndim
        read_from = im2col(where, self.kernel, self.stride, no_pads, self.dilation, self.out)
        padded_position = tuple(int(p) + lo for p, (lo, _) in zip(position, self.pads))
        target = np.ravel_multi_index((0, 0, *padded_position), padded_shape)
        entries = [tuple(e) for e in np.argwhere(read_from == target)]
        terms = [number(dcols[e], parenthesise=True) for e in entries]
        total = sum(dcols[e] for e in entries)
        at = ", ".join(str(int(p)) for p in position)
        return (
            f"    For example x[0, 0, {at}] is read by {len(entries)} window(s); its gradient "
            f"sums their dcols entries:\n"
            + wrap_terms(f"dx[0, 0, {at}] = ", terms, f" = {number(total)}", indent=6)
        )


def _pairs(pads) -> tuple:
    """((1, 1), (1, 1)) → (1, 1) when every axis is padded equally on both sides."""
    return tuple(lo for lo, _ in pads) if all(lo == hi for lo, hi in pads) else pads


def _span(group, size) -> str:
    return f"{group * size} … {(group + 1) * size - 1}" if size > 1 else str(group * size)
