"""Max, min and average pooling over 1, 2 or 3 spatial dimensions: forward and backward.

Pooling reads the same sliding windows as convolution, so it reuses im2col: for an input
``(N, C, *S)`` the windows come out as ``(C, *K, N, *O)``, viewed as ``(C, ΠK, N, *O)`` —
for each channel, image and output position, the ``ΠK`` values under the window. Pooling
then reduces over that axis instead of multiplying by weights.

Max (min) pooling pads with −∞ (+∞), so padding never changes the result. The winner of
each window is the first maximal (minimal) tap inside the input in window order — row-major
over the kernel, PyTorch's rule for ties; a NaN wins (the last one, as in PyTorch's kernels),
and padding never does, not even against an input of −∞ (+∞). The backward pass sends each
output's gradient to its winner only:

    dcols[c, winner, n, o] = dy[n, c, o],  0 elsewhere;   dx = col2im(dcols)

Average pooling pads with zeros and divides each window sum by its size: the window clipped
to the padded input (``count_include_pad=True``) or to the input itself (``False``). With
``ceil_mode`` the last window may hang past the padded input; the overhang is never counted.
The backward pass spreads ``dy / divisor`` evenly over the window:

    dcols[c, :, n, o] = dy[n, c, o] / divisor[o];   dx = col2im(dcols)

Shapes: x (N, C, *S) → y (N, C, *O) with O from ``geometry.pool_geometry``.

For NumPy float32/float64 inputs, max and min pooling run the compiled kernels of
``ops/pool_compiled.py`` instead: the same winners, without unrolling the windows.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..backend import get_array_module, gpu_kernels_for
from . import pool_compiled
from .checks import check_input, spatial_layout
from .geometry import Padding, as_tuple, pool_geometry
from .im2col import col2im, im2col


class PoolCache(NamedTuple):
    """What the backward passes need: the window geometry and, per kind, the winners (max,
    min) or the divisors (average)."""

    x_shape: tuple
    dtype: object
    kernel_size: tuple
    stride: tuple
    padding: Padding
    routing: object  # winners (C, N, *O) for max/min; divisors (*O) for average


def max_pool_forward(x, kernel_size, stride=None, padding=0, ceil_mode=False):
    """Max over each window. x: (N, C, *S) → (y (N, C, *O), cache)."""
    kernels = gpu_kernels_for(x)  # a CuPy array: the CUDA C or Numba kernel
    if kernels is not None:
        return kernels.max_pool_forward(x, kernel_size, stride, padding, ceil_mode)
    return _extreme_pool_forward(x, kernel_size, stride, padding, ceil_mode, largest=True)


def min_pool_forward(x, kernel_size, stride=None, padding=0, ceil_mode=False):
    """Min over each window. x: (N, C, *S) → (y (N, C, *O), cache)."""
    kernels = gpu_kernels_for(x)  # a CuPy array: the CUDA C or Numba kernel
    if kernels is not None:
        return kernels.min_pool_forward(x, kernel_size, stride, padding, ceil_mode)
    return _extreme_pool_forward(x, kernel_size, stride, padding, ceil_mode, largest=False)


def max_pool_backward(grad_out, cache: PoolCache):
    """Backward of max and of min pooling. grad_out: (N, C, *O) → dx: (N, C, *S)."""
    # a CuPy array: the CUDA C or Numba kernel
    kernels = gpu_kernels_for(grad_out, len(cache.kernel_size), cache.dtype)
    if kernels is not None:
        return kernels.max_pool_backward(grad_out, cache)
    xp = get_array_module(grad_out)
    winners = cache.routing
    grad_out = _check_grad_out(grad_out, winners.shape, cache.dtype)
    if pool_compiled.supports(grad_out) and type(winners) is np.ndarray:
        return pool_compiled.extreme_pool_backward(
            grad_out, winners, cache.x_shape, cache.kernel_size, cache.stride, cache.padding
        )
    n_taps = math.prod(cache.kernel_size)
    taps = xp.arange(n_taps).reshape(1, n_taps, *([1] * (winners.ndim - 1)))
    dy = grad_out.swapaxes(0, 1)[:, None]  # (C, 1, N, *O)
    dcols = xp.where(taps == winners[:, None], dy, xp.zeros((), dtype=dy.dtype))
    dcols = dcols.reshape(winners.shape[0], *cache.kernel_size, *winners.shape[1:])
    return col2im(
        dcols,
        cache.x_shape,
        cache.kernel_size,
        cache.stride,
        cache.padding,
        (1,) * len(cache.kernel_size),
    )


def avg_pool_forward(
    x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
):
    """Mean over each window. x: (N, C, *S) → (y (N, C, *O), cache)."""
    check_flag(count_include_pad, "count_include_pad")
    kernels = gpu_kernels_for(x)  # a CuPy array: the CUDA C or Numba kernel
    if kernels is not None:
        return kernels.avg_pool_forward(
            x, kernel_size, stride, padding, ceil_mode, count_include_pad
        )
    xp = get_array_module(x)
    kernel_size, stride, pairs, out_shape = check_pool_input(
        x, kernel_size, stride, padding, ceil_mode
    )
    cols = _windows(x, kernel_size, stride, pairs, out_shape, fill=0.0)
    divisors = xp.asarray(
        _divisors(x.shape[2:], kernel_size, stride, pairs, out_shape, count_include_pad),
        dtype=x.dtype,
    )
    y = cols.sum(axis=1) / divisors  # (C, N, *O)
    cache = PoolCache(tuple(x.shape), x.dtype, kernel_size, stride, pairs, divisors)
    return xp.ascontiguousarray(y.swapaxes(0, 1)), cache


def avg_pool_backward(grad_out, cache: PoolCache):
    """grad_out: (N, C, *O) → dx: (N, C, *S)."""
    # a CuPy array: the CUDA C or Numba kernel
    kernels = gpu_kernels_for(grad_out, len(cache.kernel_size), cache.dtype)
    if kernels is not None:
        return kernels.avg_pool_backward(grad_out, cache)
    xp = get_array_module(grad_out)
    divisors, kernel_size = cache.routing, cache.kernel_size
    n, c = cache.x_shape[:2]
    grad_out = _check_grad_out(grad_out, (c, n, *divisors.shape), cache.dtype)
    share = (grad_out.swapaxes(0, 1) / divisors).reshape(
        c, *([1] * len(kernel_size)), n, *divisors.shape
    )
    dcols = xp.broadcast_to(share, (c, *kernel_size, n, *divisors.shape))
    return col2im(
        dcols, cache.x_shape, kernel_size, cache.stride, cache.padding, (1,) * len(kernel_size)
    )


def check_pool_arguments(ndim, kernel_size, stride, padding, ceil_mode):
    """Normalise pooling hyperparameters to tuples, raising ValueError/TypeError naming the
    parameter. PyTorch's rule: padding at most half the kernel, so every window holds at least
    one input element."""
    kernel_size = as_tuple(kernel_size, ndim, "kernel_size", 1)
    stride = kernel_size if stride is None else as_tuple(stride, ndim, "stride", 1)
    padding = as_tuple(padding, ndim, "padding", 0)
    if any(2 * p > k for p, k in zip(padding, kernel_size)):
        raise ValueError(
            f"padding must be at most half of kernel_size, got padding={padding} for "
            f"kernel_size={kernel_size}"
        )
    check_flag(ceil_mode, "ceil_mode")
    return kernel_size, stride, padding


def check_flag(value, name: str) -> None:
    """Raise TypeError naming ``name`` unless ``value`` is True or False (or equal to one:
    NumPy's booleans, 0 and 1)."""
    if value not in (True, False):
        raise TypeError(f"{name} must be True or False, got {value!r}")


def _extreme_pool_forward(x, kernel_size, stride, padding, ceil_mode, largest):
    kernel_size, stride, pairs, out_shape = check_pool_input(
        x, kernel_size, stride, padding, ceil_mode
    )
    if pool_compiled.supports(x):  # NumPy float32/64, 1-3 d: one compiled pass
        y, winners = pool_compiled.extreme_pool_forward(
            x, kernel_size, stride, pairs, out_shape, largest
        )
        return y, PoolCache(tuple(x.shape), x.dtype, kernel_size, stride, pairs, winners)
    xp = get_array_module(x)
    fill = -np.inf if largest else np.inf
    cols = _windows(x, kernel_size, stride, pairs, out_shape, fill)
    y = cols.max(axis=1) if largest else cols.min(axis=1)  # (C, N, *O)
    ones = xp.ones((1, 1, *x.shape[2:]), x.dtype)
    inside = _windows(ones, kernel_size, stride, pairs, out_shape, 0) != 0  # (1, ΠK, 1, *O)
    first_extreme = ((cols == y[:, None]) & inside).argmax(axis=1)  # the first True
    nans = xp.isnan(cols)  # padding is ∓∞, never NaN
    last_nan = cols.shape[1] - 1 - nans[:, ::-1].argmax(axis=1)
    winners = xp.where(xp.isnan(y), last_nan, first_extreme)  # y is NaN where a NaN is inside
    cache = PoolCache(tuple(x.shape), x.dtype, kernel_size, stride, pairs, winners)
    return xp.ascontiguousarray(y.swapaxes(0, 1)), cache


def check_pool_input(x, kernel_size, stride, padding, ceil_mode):
    """Check x and the hyperparameters: (kernel_size, stride, (lo, hi) padding pairs, O)."""
    ndim = getattr(x, "ndim", 0) - 2
    check_input(x, max(ndim, 1), None, spatial_layout(max(ndim, 1)))
    kernel_size, stride, padding = check_pool_arguments(
        ndim, kernel_size, stride, padding, ceil_mode
    )
    out_shape, pairs = pool_geometry(x.shape[2:], kernel_size, stride, padding, ceil_mode)
    return kernel_size, stride, pairs, out_shape


def _windows(x, kernel_size, stride, pairs, out_shape, fill):
    """im2col of the pooling windows: (C, ΠK, N, *O)."""
    ndim = len(kernel_size)
    cols = im2col(x, kernel_size, stride, pairs, (1,) * ndim, out_shape, fill)
    cols = cols.reshape(x.shape[1], math.prod(kernel_size), x.shape[0], *out_shape)
    return cols


def _divisors(spatial, kernel_size, stride, pairs, out_shape, count_include_pad):
    """Window sizes (*O) as PyTorch counts them: per axis, the window clipped to the padded
    input (or to the input), multiplied over the axes."""
    sizes = []
    for size, k, s, (lo, _), n_out in zip(spatial, kernel_size, stride, pairs, out_shape):
        start = np.arange(n_out) * s - lo
        end = np.minimum(start + k, size + lo)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        sizes.append(end - start)
    return math.prod(np.ix_(*sizes))


def _check_grad_out(grad_out, channels_first_shape, dtype):
    """grad_out in the forward's dtype, after checking it is shaped like the output."""
    c, n, *out = channels_first_shape
    expected = (n, c, *out)
    if tuple(grad_out.shape) != expected:
        raise ValueError(f"grad_out must have shape {expected}, got {tuple(grad_out.shape)}")
    return grad_out.astype(dtype, copy=False)
