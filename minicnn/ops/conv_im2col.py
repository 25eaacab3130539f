"""The im2col + GEMM convolution algorithm, for any number of spatial dims and any array module.

Forward, as three steps (shapes read left to right; ``d`` spatial axes):

    1. im2col:  cols = im2col(x)                          (C_in, *K, N, *O)
                viewed per group as                       (G, C_in/G · ΠK, N·ΠO)
    2. GEMM:    y_g = W_g @ cols_g,  W_g = weight viewed  (G, C_out/G, C_in/G · ΠK)
    3. reshape: (G, C_out/G, N·ΠO) → (C_out, N, *O) → (N, C_out, *O)

Backward, given dy = ∂L/∂y:

    dW_g    = dy_g @ cols_gᵀ            (the columns are the GEMM's other operand)
    dcols_g = W_gᵀ @ dy_g
    dx      = col2im(dcols)            (each column entry goes back where it was read)

Two implementations of im2col/col2im share this code: ``ops/im2col.py`` (NumPy slicing, works
on CuPy too and for any number of dims) and ``ops/im2col_compiled.py`` (Numba, 1-3 dims,
NumPy arrays). The columns are laid out so that the GEMM needs no transpose.
"""

from __future__ import annotations

import math
from importlib import import_module

import numpy as np

from ..backend import get_array_module
from . import im2col_compiled
from .workspace import scratch

im2col_sliced = import_module(".im2col", __package__)  # the module, not the function


# The dtypes the compiled kernels take (native byte order; not float16 or long double).
COMPILED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Im2colGemm:
    """im2col + one GEMM per group; ``compiled`` picks the Numba im2col/col2im."""

    def __init__(self, name: str, compiled: bool):
        self.name, self.compiled = name, compiled
        self._unroll = im2col_compiled if compiled else im2col_sliced
        self.reuses_workspace = compiled  # the compiled im2col can fill a given buffer
        self.devices = ("cpu",) if compiled else ("cpu", "gpu")

    def supports(self, x, weight, geometry) -> str | None:
        """None when this algorithm can run the convolution, otherwise why not."""
        if not self.compiled:
            return None
        if get_array_module(x).__name__ != "numpy":
            return "runs on NumPy arrays only"
        if not 1 <= len(geometry.kernel_size) <= im2col_compiled.MAX_SPATIAL_DIMS:
            return f"handles 1 to {im2col_compiled.MAX_SPATIAL_DIMS} spatial dims"
        if x.dtype not in COMPILED_DTYPES:
            return "handles native float32 and float64"
        return None

    def workspace_bytes(self, x_shape, weight_shape, geometry, itemsize) -> int:
        """Bytes of one image's columns (C_in·ΠK·ΠO elements) and, in backward, of their
        gradient: twice the columns."""
        columns = x_shape[1] * math.prod(geometry.kernel_size) * math.prod(geometry.out_shape)
        return 2 * columns * itemsize

    def prepare(self, x, geometry, reuse=None):
        """The columns of x: (C_in, *K, N, *O). ``reuse``: the columns of an earlier chunk,
        overwritten when the compiled im2col can fill them (same shape and dtype)."""
        g = geometry
        args = (x, g.kernel_size, g.stride, g.padding, g.dilation, g.out_shape)
        shape = (x.shape[1], *g.kernel_size, x.shape[0], *g.out_shape)
        if self.compiled and reuse is not None and reuse.shape == shape and reuse.dtype == x.dtype:
            return self._unroll.im2col(*args, out=reuse)
        return self._unroll.im2col(*args)

    def forward(self, cols, weight, geometry):
        """y (N, C_out, *O) without bias, from the columns."""
        xp = get_array_module(cols)
        n, c_out = cols.shape[weight.ndim - 1], weight.shape[0]
        y = xp.matmul(
            weight_per_group(weight, geometry.groups), cols_per_group(cols, geometry.groups)
        )
        y = y.reshape(c_out, n, *geometry.out_shape)
        return xp.ascontiguousarray(y.swapaxes(0, 1))

    def backward(
        self, grad_out, cols, weight, geometry, x_shape, input_grad=True, weight_grad=True
    ):
        """dx (N, C_in, *S) and dW (C_out, C_in/G, *K) from dy (N, C_out, *O) and the columns;
        either is None when not asked for."""
        xp = get_array_module(grad_out)
        groups = geometry.groups
        # (N, C_out, *O) → (G, C_out/G, N·ΠO): the layout of the forward GEMM's result.
        dy = xp.ascontiguousarray(grad_out.swapaxes(0, 1)).reshape(
            groups, weight.shape[0] // groups, -1
        )
        dweight = dx = None
        if weight_grad:
            cols_g = cols_per_group(cols, groups)
            dweight = xp.matmul(dy, cols_g.swapaxes(1, 2)).reshape(weight.shape)
        if input_grad:
            w_t = weight_per_group(weight, groups).swapaxes(1, 2)
            if self.compiled:  # NumPy: the column gradient is needed only until col2im
                shape = (groups, w_t.shape[1], dy.shape[2])
                dcols = scratch("im2col.column_gradient", shape, dy.dtype)
                xp.matmul(w_t, dy, out=dcols)
            else:
                dcols = xp.matmul(w_t, dy)
            g = geometry
            dcols = dcols.reshape(cols.shape)
            dx = self._unroll.col2im(dcols, x_shape, g.kernel_size, g.stride, g.padding, g.dilation)
        return dx, dweight


def cols_per_group(cols, groups):
    """(C_in, *K, N, *O) → (G, C_in/G · ΠK, N·ΠO), a view: each group's rows of the columns."""
    n_rows = math.prod(cols.shape[: cols.ndim // 2])  # C_in·ΠK: the first 1 + d axes of 2 + 2d
    return cols.reshape(groups, n_rows // groups, -1)


def weight_per_group(weight, groups):
    """(C_out, C_in/G, *K) → (G, C_out/G, C_in/G · ΠK), a view: each group's weight matrix."""
    return weight.reshape(groups, weight.shape[0] // groups, -1)
