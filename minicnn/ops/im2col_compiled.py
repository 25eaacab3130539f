"""im2col and col2im compiled with Numba: the CPU twins of ``ops/im2col.py``.

They produce exactly the same arrays as the NumPy versions (same ``(C, *K, N, *O)`` column
layout, same zero padding), but in one pass over memory and on every core:

- ``ops/im2col.py`` first copies the input into a padded, channels-first buffer, then makes one
  strided copy per kernel tap; col2im adds one strided slice per tap into a padded buffer and
  copies the interior out. Each pass is single-threaded NumPy.
- Here one compiled loop nest reads the input where it is, writes zeros where a window hangs
  over the border, and splits the work over (channel, image) pairs with ``prange``. Each pair
  owns its own rows of the columns (im2col) or its own plane of the input gradient (col2im),
  so no two threads ever write the same element and the sums are deterministic.

One kernel serves 1, 2 and 3 spatial dimensions: a 1-d or 2-d problem is a 3-d one with
leading spatial axes of size 1 (kernel 1, stride 1, dilation 1, no padding). Layouts with more
than three spatial dimensions use the NumPy versions.

Kernels are compiled on first use for each dtype (float32 and float64) and cached on disk
(``cache=True``), so later runs start at once.
"""

from __future__ import annotations

import numba
import numpy as np

from .geometry import Padding
from .parallel import launch

MAX_SPATIAL_DIMS = 3


def im2col(x, kernel_size, stride, padding: Padding, dilation, out_shape, out=None):
    """Unroll sliding windows (same contract as ``ops.im2col.im2col`` with ``fill=0``).

    x:       (N, C, *S) NumPy float array, 1 <= len(S) <= 3 (not modified)
    out:     None, or a C-contiguous array of the result's shape and dtype to fill
    returns: (C, *K, N, *O) array of x's dtype
    """
    n, c, *spatial = x.shape
    x3, geometry = _as_3d(spatial, kernel_size, stride, padding, dilation, out_shape)
    shape = (c, *geometry.kernel, n, *geometry.out)
    cols = np.empty(shape, dtype=x.dtype) if out is None else out.reshape(shape)
    x3d = np.ascontiguousarray(x).reshape(n, c, *x3)
    launch(_im2col_3d, x3d, cols, *geometry.params, work=cols.size)
    return cols.reshape(c, *kernel_size, n, *out_shape)


def col2im(cols, x_shape, kernel_size, stride, padding: Padding, dilation):
    """Fold columns back onto the input, summing overlaps (same contract as ``ops.im2col.col2im``).

    cols:    (C, *K, N, *O) NumPy float array (not modified)
    returns: (N, C, *S) array with S = x_shape[2:], of cols' dtype, C-contiguous
    """
    n, c, *spatial = x_shape
    out_shape = cols.shape[len(kernel_size) + 2 :]
    x3, geometry = _as_3d(spatial, kernel_size, stride, padding, dilation, out_shape)
    grad_x = np.empty((n, c, *x3), dtype=cols.dtype)
    cols3 = np.ascontiguousarray(cols).reshape(c, *geometry.kernel, n, *geometry.out)
    launch(_col2im_3d, cols3, grad_x, *geometry.params, work=cols.size)
    return grad_x.reshape(x_shape)


class _Geometry3d:
    """A 1-3 d window geometry written as a 3-d one (leading axes of size 1)."""

    def __init__(self, kernel, out, stride, pad_lo, dilation):
        self.kernel, self.out = kernel, out
        self.params = (stride, pad_lo, dilation)


def _as_3d(spatial, kernel_size, stride, padding, dilation, out_shape):
    missing = MAX_SPATIAL_DIMS - len(spatial)
    if missing < 0:
        raise ValueError(f"compiled im2col supports 1 to 3 spatial dims, got {len(spatial)}")
    ones = (1,) * missing
    geometry = _Geometry3d(
        kernel=ones + tuple(kernel_size),
        out=ones + tuple(out_shape),
        stride=ones + tuple(stride),
        pad_lo=(0,) * missing + tuple(lo for lo, _ in padding),
        dilation=ones + tuple(dilation),
    )
    return ones + tuple(spatial), geometry


@numba.njit(cache=True, inline="always")
def _valid_range(size, out_size, stride, offset):
    """The outputs o in [lo, hi) whose input position o·stride + offset lies in [0, size)."""
    lo = max(0, -((offset) // stride))  # ceil(−offset / stride)
    hi = min(out_size, (size - 1 - offset) // stride + 1)
    return lo, max(lo, hi)


@numba.njit(parallel=True, cache=True)
def _im2col_3d(x, cols, stride, pad_lo, dilation):
    """x (N, C, D, H, W) → cols (C, KD, KH, KW, N, OD, OH, OW); out-of-bounds reads give 0."""
    n_images, channels, depth, height, width = x.shape
    _, kd, kh, kw, _, od, oh, ow = cols.shape
    for job in numba.prange(channels * n_images):  # one (channel, image) pair per job
        c, n = job // n_images, job % n_images
        for a in range(kd):
            for b in range(kh):
                for e in range(kw):
                    offset_x = e * dilation[2] - pad_lo[2]
                    lo, hi = _valid_range(width, ow, stride[2], offset_x)
                    for oz in range(od):
                        z = oz * stride[0] + a * dilation[0] - pad_lo[0]
                        for oy in range(oh):
                            y = oy * stride[1] + b * dilation[1] - pad_lo[1]
                            inside = 0 <= z < depth and 0 <= y < height
                            for ox in range(ow):
                                if inside and lo <= ox < hi:
                                    value = x[n, c, z, y, ox * stride[2] + offset_x]
                                else:
                                    value = 0
                                cols[c, a, b, e, n, oz, oy, ox] = value


@numba.njit(parallel=True, cache=True)
def _col2im_3d(cols, grad_x, stride, pad_lo, dilation):
    """cols (C, KD, KH, KW, N, OD, OH, OW) summed back onto grad_x (N, C, D, H, W)."""
    n_images, channels, depth, height, width = grad_x.shape
    _, kd, kh, kw, _, od, oh, ow = cols.shape
    for job in numba.prange(channels * n_images):  # each job owns the plane grad_x[n, c]
        c, n = job // n_images, job % n_images
        grad_x[n, c] = 0
        for a in range(kd):
            for b in range(kh):
                for e in range(kw):
                    offset_x = e * dilation[2] - pad_lo[2]
                    lo, hi = _valid_range(width, ow, stride[2], offset_x)
                    for oz in range(od):
                        z = oz * stride[0] + a * dilation[0] - pad_lo[0]
                        if z < 0 or z >= depth:
                            continue
                        for oy in range(oh):
                            y = oy * stride[1] + b * dilation[1] - pad_lo[1]
                            if y < 0 or y >= height:
                                continue
                            row = cols[c, a, b, e, n, oz, oy]
                            for ox in range(lo, hi):
                                grad_x[n, c, z, y, ox * stride[2] + offset_x] += row[ox]
