"""im2col and col2im for any number of spatial dimensions.

im2col unrolls every sliding window of the input into a column, so a convolution becomes one
matrix product. For an input ``x`` of shape ``(N, C, *S)`` and a kernel of shape ``K`` the
columns have shape ``(C, *K, N, *O)``: read as a matrix, ``(C·ΠK, N·ΠO)`` — one row per
(channel, kernel tap), one column per (image, output position). Row ``(c, k)`` holds, for
every output position ``o``, the input value ``x_padded[n, c, o·stride + k·dilation]``.

This layout is built with one strided slice copy per kernel tap (9 copies for a 3×3 kernel)
and feeds the GEMM without a transpose. The textbook ``(N, C, *K, *O)`` layout would need a
transpose after im2col that costs more than the GEMM itself.

col2im is the adjoint: it sends each column entry back to the input position it was read
from, adding where windows overlap. It is what the backward pass uses to turn the gradient
of the columns into the gradient of the input.
"""

from __future__ import annotations

import itertools

from ..backend import get_array_module, gpu_kernels_for
from .geometry import Padding


def im2col(x, kernel_size, stride, padding: Padding, dilation, out_shape, fill=0.0):
    """Unroll sliding windows.

    x:        (N, C, *S) array, any float dtype (not modified)
    padding:  (lo, hi) per spatial axis, filled with ``fill`` (0 for convolution; −inf lets max
              pooling ignore the padding)
    returns:  (C, *K, N, *O) array of x's dtype, where O = out_shape
    """
    kernels = gpu_kernels_for(x, len(kernel_size))  # a CuPy array: the CUDA C or Numba kernel
    if kernels is not None:
        return kernels.im2col(x, kernel_size, stride, padding, dilation, out_shape, fill)
    xp = get_array_module(x)
    n, c = x.shape[:2]
    x_padded = _pad_channels_first(x, padding, fill)  # (C, N, *S_padded)
    cols = xp.empty((c, *kernel_size, n, *out_shape), dtype=x.dtype)
    for tap in itertools.product(*(range(k) for k in kernel_size)):
        window = _window(tap, stride, dilation, out_shape)
        cols[(slice(None), *tap)] = x_padded[(slice(None), slice(None), *window)]
    return cols


def col2im(cols, x_shape, kernel_size, stride, padding: Padding, dilation):
    """Fold columns back onto the input, summing overlapping windows (adjoint of ``im2col``).

    cols:     (C, *K, N, *O) array (not modified)
    returns:  (N, C, *S) array with S = x_shape[2:], of cols' dtype, C-contiguous
    """
    kernels = gpu_kernels_for(cols, len(kernel_size))  # a CuPy array: the CUDA C or Numba kernel
    if kernels is not None:
        return kernels.col2im(cols, x_shape, kernel_size, stride, padding, dilation)
    xp = get_array_module(cols)
    n, c, *spatial = x_shape
    out_shape = cols.shape[len(kernel_size) + 2 :]
    padded = [s + lo + hi for s, (lo, hi) in zip(spatial, padding)]
    grad_padded = xp.zeros((c, n, *padded), dtype=cols.dtype)
    for tap in itertools.product(*(range(k) for k in kernel_size)):
        window = _window(tap, stride, dilation, out_shape)
        grad_padded[(slice(None), slice(None), *window)] += cols[(slice(None), *tap)]
    interior = tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, padding))
    return xp.ascontiguousarray(grad_padded[(slice(None), slice(None), *interior)].swapaxes(0, 1))


def _pad_channels_first(x, padding: Padding, fill):
    """(N, C, *S) → padded (C, N, *S_padded): the transpose rides along with the copy."""
    xp = get_array_module(x)
    n, c, *spatial = x.shape
    padded = [s + lo + hi for s, (lo, hi) in zip(spatial, padding)]
    x_padded = xp.full((c, n, *padded), fill, dtype=x.dtype)
    interior = tuple(slice(lo, lo + s) for s, (lo, _) in zip(spatial, padding))
    x_padded[(slice(None), slice(None), *interior)] = x.swapaxes(0, 1)
    return x_padded


def _window(tap, stride, dilation, out_shape):
    """Slices selecting, along each axis, the padded-input positions o·stride + tap·dilation."""
    return tuple(
        slice(k * d, k * d + s * (o - 1) + 1, s)
        for k, s, d, o in zip(tap, stride, dilation, out_shape)
    )
