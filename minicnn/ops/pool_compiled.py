"""Max and min pooling compiled with Numba: the CPU twins of ``ops/pool.py``'s extreme pools.

The NumPy version unrolls every window with im2col (padding with ∓∞), reduces twice (the
value and its position) and builds a full gradient of the columns for col2im. Here one loop
nest per (image, channel) plane reads each window in place:

    forward:   y[n, c, o] = the first largest (smallest) x in window o, skipping positions
               outside the input; winners[c, n, o] = its tap, row-major over the kernel
    backward:  dx[n, c, winner's position] += dy[n, c, o] for every output o

Each plane belongs to one thread, so the sums need no atomics and are deterministic. The
winners have the NumPy version's layout (C, N, *O) and tap numbering, so either backward
works with either forward's cache. A NaN in a window wins it, the last NaN if there are
several, as in PyTorch's kernels. As in ``im2col_compiled.py``, 1-d and 2-d inputs are 3-d
ones with leading axes of size 1; float32 and float64 only.
"""

from __future__ import annotations

import numba
import numpy as np

from .conv_im2col import COMPILED_DTYPES
from .im2col_compiled import MAX_SPATIAL_DIMS
from .parallel import launch


def supports(x) -> bool:
    """Whether the compiled kernels take ``x``: a NumPy float32/float64 array, 1-3 d."""
    return (
        type(x) is np.ndarray and x.dtype in COMPILED_DTYPES and 1 <= x.ndim - 2 <= MAX_SPATIAL_DIMS
    )


def extreme_pool_forward(x, kernel_size, stride, padding, out_shape, largest: bool):
    """x (N, C, *S) → (y (N, C, *O), winners (C, N, *O) int64)."""
    n, c, *spatial = x.shape
    x3 = np.ascontiguousarray(x).reshape(n, c, *_as_3d(spatial, 1))
    y = np.empty((n, c, *_as_3d(out_shape, 1)), dtype=x.dtype)
    winners = np.empty((c, n, *_as_3d(out_shape, 1)), dtype=np.int64)
    geometry = _geometry(kernel_size, stride, padding)
    launch(_forward_3d, x3, y, winners, *geometry, largest, work=y.size * np.prod(kernel_size))
    return y.reshape(n, c, *out_shape), winners.reshape(c, n, *out_shape)


def extreme_pool_backward(grad_out, winners, x_shape, kernel_size, stride, padding):
    """dy (N, C, *O) and the winners (C, N, *O) → dx (N, C, *S), C-contiguous."""
    n, c, *spatial = x_shape
    out_shape = grad_out.shape[2:]
    dy = np.ascontiguousarray(grad_out).reshape(n, c, *_as_3d(out_shape, 1))
    routes = np.ascontiguousarray(winners).reshape(c, n, *_as_3d(out_shape, 1))
    dx = np.empty((n, c, *_as_3d(spatial, 1)), dtype=grad_out.dtype)
    launch(_backward_3d, dy, routes, dx, *_geometry(kernel_size, stride, padding), work=dx.size)
    return dx.reshape(x_shape)


def _as_3d(sizes, fill):
    """Sizes of 1-3 axes with ``fill`` in front, to make 3."""
    return (fill,) * (MAX_SPATIAL_DIMS - len(sizes)) + tuple(sizes)


def _geometry(kernel_size, stride, padding):
    """(kernel, stride, low padding) as 3-tuples."""
    return _as_3d(kernel_size, 1), _as_3d(stride, 1), _as_3d([lo for lo, _ in padding], 0)


@numba.njit(parallel=True, cache=True)
def _forward_3d(x, y, winners, kernel, stride, pad_lo, largest):
    """x (N, C, D, H, W) → y (N, C, OD, OH, OW) and winners (C, N, OD, OH, OW)."""
    n_images, channels, depth, height, width = x.shape
    _, _, od, oh, ow = y.shape
    for job in numba.prange(n_images * channels):  # one (image, channel) plane per job
        n, c = job // channels, job % channels
        for oz in range(od):
            for oy in range(oh):
                for ox in range(ow):
                    best, best_tap, tap = x[n, c, 0, 0, 0], -1, 0
                    for a in range(kernel[0]):
                        z = oz * stride[0] + a - pad_lo[0]
                        for b in range(kernel[1]):
                            yy = oy * stride[1] + b - pad_lo[1]
                            for e in range(kernel[2]):
                                xx = ox * stride[2] + e - pad_lo[2]
                                if 0 <= z < depth and 0 <= yy < height and 0 <= xx < width:
                                    value = x[n, c, z, yy, xx]
                                    if best_tap < 0 or _beats(value, best, largest):
                                        best, best_tap = value, tap
                                tap += 1
                    y[n, c, oz, oy, ox] = best
                    winners[c, n, oz, oy, ox] = best_tap


@numba.njit(inline="always")
def _beats(value, best, largest):
    """Whether ``value`` takes the window from ``best``: strictly larger (smaller) than a
    number, or a NaN (so the last NaN keeps the window)."""
    if value != value:  # NaN
        return True
    return value > best if largest else value < best


@numba.njit(parallel=True, cache=True)
def _backward_3d(dy, winners, dx, kernel, stride, pad_lo):
    """dy (N, C, OD, OH, OW) sent to the winners' positions in dx (N, C, D, H, W)."""
    n_images, channels, depth, height, width = dx.shape
    _, _, od, oh, ow = dy.shape
    for job in numba.prange(n_images * channels):  # each job owns the plane dx[n, c]
        n, c = job // channels, job % channels
        dx[n, c] = 0
        for oz in range(od):
            for oy in range(oh):
                for ox in range(ow):
                    tap = winners[c, n, oz, oy, ox]
                    a = tap // (kernel[1] * kernel[2])
                    b = tap // kernel[2] % kernel[1]
                    e = tap % kernel[2]
                    z = oz * stride[0] + a - pad_lo[0]
                    yy = oy * stride[1] + b - pad_lo[1]
                    xx = ox * stride[2] + e - pad_lo[2]
                    # A winner in the padding (possible only in a cache from the NumPy
                    # version, for a window of −∞) has nowhere to send its gradient.
                    if 0 <= z < depth and 0 <= yy < height and 0 <= xx < width:
                        dx[n, c, z, yy, xx] += dy[n, c, oz, oy, ox]
