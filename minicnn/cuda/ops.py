"""im2col, col2im and pooling on the GPU, with either set of hand-written kernels.

``GpuOps`` has the signatures of ``minicnn.ops.im2col`` and ``minicnn.ops.pool`` and returns
the same results and caches; the dispatch hooks at the top of those functions call it for a
CuPy array (``backend.gpu_kernels_for``). It does the host-side work -- argument checks, output
shapes, allocation, the 3-d view of the window -- and hands the arrays to a launcher:
``cuda_c.CudaCKernels`` (the CUDA C kernels) or the module ``numba_launch`` (their Numba
twins), which have the same functions. The argument checks, output sizes, average-pooling
divisors and the cache type are the CPU code's own, so the two paths cannot drift apart.

Shapes, as in the CPU code: x (N, C, *S); columns (C, *K, N, *O); pooling y (N, C, *O), its
max/min cache holding winners (C, N, *O) (int32 here) and its average cache divisors (*O).
Inputs are never modified.
"""

from __future__ import annotations

import functools

from ..backend import get_array_module
from ..ops.pool import PoolCache, _check_grad_out, _divisors, check_pool_input
from .geometry import MAX_BLOCKS, THREADS_PER_BLOCK, launch_for, window_3d


class GpuOps:
    """The ops of ``minicnn.ops.im2col`` and ``minicnn.ops.pool`` run by ``launcher``.

    ``threads`` and ``max_blocks`` size the launches; tests pass small ones so the grid-stride
    loops take several turns.
    """

    def __init__(self, launcher, threads=THREADS_PER_BLOCK, max_blocks=MAX_BLOCKS):
        self.launcher, self.threads, self.max_blocks = launcher, threads, max_blocks

    def _launch(self, total):
        return launch_for(total, self.threads, self.max_blocks)

    def im2col(self, x, kernel_size, stride, padding, dilation, out_shape, fill=0.0):
        """x (N, C, *S) → columns (C, *K, N, *O) of x's dtype; padding reads as ``fill``."""
        xp = get_array_module(x)
        n, c, *spatial = x.shape
        window = window_3d(spatial, kernel_size, stride, padding, dilation, out_shape)
        cols = xp.empty((c, *kernel_size, n, *out_shape), dtype=x.dtype)
        x = xp.ascontiguousarray(x)
        self.launcher.im2col(x, cols, c, n, window, fill, self._launch(cols.size))
        return cols

    def col2im(self, cols, x_shape, kernel_size, stride, padding, dilation):
        """columns (C, *K, N, *O) → (N, C, *S) of cols' dtype, overlapping windows summed."""
        xp = get_array_module(cols)
        n, c, *spatial = x_shape
        out_shape = cols.shape[len(kernel_size) + 2 :]
        window = window_3d(spatial, kernel_size, stride, padding, dilation, out_shape)
        dx = xp.empty(tuple(x_shape), dtype=cols.dtype)
        cols = xp.ascontiguousarray(cols)
        self.launcher.col2im(cols, dx, c, n, window, self._launch(dx.size))
        return dx

    def max_pool_forward(self, x, kernel_size, stride=None, padding=0, ceil_mode=False):
        """x (N, C, *S) → (y (N, C, *O), cache)."""
        return self._extreme_pool_forward(x, kernel_size, stride, padding, ceil_mode, True)

    def min_pool_forward(self, x, kernel_size, stride=None, padding=0, ceil_mode=False):
        """x (N, C, *S) → (y (N, C, *O), cache)."""
        return self._extreme_pool_forward(x, kernel_size, stride, padding, ceil_mode, False)

    def max_pool_backward(self, grad_out, cache: PoolCache):
        """Backward of max and of min pooling: grad_out (N, C, *O) → dx (N, C, *S)."""
        xp = get_array_module(grad_out)
        grad_out = _check_grad_out(grad_out, cache.routing.shape, cache.dtype)
        winners = xp.ascontiguousarray(cache.routing, dtype=xp.int32)  # int64 from the CPU code
        window, dx = self._backward_geometry(xp, cache, winners.shape[2:])
        n, c = cache.x_shape[:2]
        grad_out = xp.ascontiguousarray(grad_out)
        self.launcher.extreme_pool_backward(
            grad_out, winners, dx, c, n, window, self._launch(dx.size)
        )
        return dx

    def avg_pool_forward(
        self, x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
    ):
        """x (N, C, *S) → (y (N, C, *O), cache)."""
        xp = get_array_module(x)
        kernel_size, stride, pairs, out_shape = check_pool_input(
            x, kernel_size, stride, padding, ceil_mode
        )
        divisors = xp.asarray(
            _divisors(x.shape[2:], kernel_size, stride, pairs, out_shape, count_include_pad),
            dtype=x.dtype,
        )
        n, c, *spatial = x.shape
        window = window_3d(spatial, kernel_size, stride, pairs, (1,) * len(spatial), out_shape)
        y = xp.empty((n, c, *out_shape), dtype=x.dtype)
        x = xp.ascontiguousarray(x)
        self.launcher.avg_pool_forward(x, divisors, y, c, n, window, self._launch(y.size))
        return y, PoolCache(tuple(x.shape), x.dtype, kernel_size, stride, pairs, divisors)

    def avg_pool_backward(self, grad_out, cache: PoolCache):
        """grad_out (N, C, *O) → dx (N, C, *S)."""
        xp = get_array_module(grad_out)
        divisors = cache.routing
        n, c = cache.x_shape[:2]
        grad_out = _check_grad_out(grad_out, (c, n, *divisors.shape), cache.dtype)
        window, dx = self._backward_geometry(xp, cache, divisors.shape)
        divisors, grad_out = xp.ascontiguousarray(divisors), xp.ascontiguousarray(grad_out)
        self.launcher.avg_pool_backward(grad_out, divisors, dx, c, n, window, self._launch(dx.size))
        return dx

    def _extreme_pool_forward(self, x, kernel_size, stride, padding, ceil_mode, largest):
        xp = get_array_module(x)
        kernel_size, stride, pairs, out_shape = check_pool_input(
            x, kernel_size, stride, padding, ceil_mode
        )
        n, c, *spatial = x.shape
        window = window_3d(spatial, kernel_size, stride, pairs, (1,) * len(spatial), out_shape)
        y = xp.empty((n, c, *out_shape), dtype=x.dtype)
        winners = xp.empty((c, n, *out_shape), dtype=xp.int32)
        x = xp.ascontiguousarray(x)
        self.launcher.extreme_pool_forward(
            x, y, winners, c, n, window, largest, self._launch(y.size)
        )
        return y, PoolCache(tuple(x.shape), x.dtype, kernel_size, stride, pairs, winners)

    def _backward_geometry(self, xp, cache: PoolCache, out_shape):
        """The pooling window of ``cache`` in 3-d, and dx (N, C, *S) to fill."""
        spatial = cache.x_shape[2:]
        ones = (1,) * len(spatial)
        window = window_3d(spatial, cache.kernel_size, cache.stride, cache.padding, ones, out_shape)
        return window, xp.empty(cache.x_shape, dtype=cache.dtype)


@functools.cache
def kernel_set(name: str) -> GpuOps:
    """The ``GpuOps`` of ``"cuda-c"`` or ``"numba"`` (imported on first use)."""
    if name == "cuda-c":
        from .cuda_c import CudaCKernels

        return GpuOps(CudaCKernels())
    if name == "numba":
        from . import numba_launch

        return GpuOps(numba_launch)
    raise ValueError(f"no GPU kernel set named {name!r}: use 'cuda-c' or 'numba'")
