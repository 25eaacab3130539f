"""Launchers of the Numba CUDA kernels (``numba_kernels.py``): the same functions, with the
same arguments, as ``cuda_c.py``, so ``ops.GpuOps`` runs either set.

On a GPU the arrays are CuPy's: they reach Numba through the CUDA Array Interface, without a
copy, and the kernels run on CuPy's current stream, so they are ordered with the CuPy work
around them (and Numba need not synchronise on import, ``sync=False``). In Numba's CUDA
simulator the arrays are NumPy's and are passed as they are.
"""

from __future__ import annotations

import warnings

from numba import cuda
from numba.core.errors import NumbaPerformanceWarning

from . import numba_kernels
from .device import simulating


def im2col(x, cols, channels, images, window, fill, launch):
    """x (N, C, *S) → cols (C, *K, N, *O), padding read as ``fill``."""
    _run(numba_kernels.im2col, launch, (x, cols), channels, images, window, x.dtype.type(fill))


def col2im(cols, dx, channels, images, window, launch):
    """cols (C, *K, N, *O) → dx (N, C, *S), the sum over the windows covering each element."""
    zero = cols.dtype.type(0)
    _run(numba_kernels.col2im, launch, (cols, dx), channels, images, window, zero)


def extreme_pool_forward(x, y, winners, channels, images, window, largest, launch):
    """x (N, C, *S) → y (N, C, *O) and winners (C, N, *O) int32, for max or min pooling."""
    kernel = numba_kernels.extreme_pool_forward
    _run(kernel, launch, (x, y, winners), channels, images, window, largest)


def extreme_pool_backward(dy, winners, dx, channels, images, window, launch):
    """dy (N, C, *O) and winners (C, N, *O) → dx (N, C, *S)."""
    kernel, zero = numba_kernels.extreme_pool_backward, dy.dtype.type(0)
    _run(kernel, launch, (dy, winners, dx), channels, images, window, zero)


def avg_pool_forward(x, divisors, y, channels, images, window, launch):
    """x (N, C, *S) and divisors (*O) → y (N, C, *O)."""
    kernel, zero = numba_kernels.avg_pool_forward, x.dtype.type(0)
    _run(kernel, launch, (x, divisors, y), channels, images, window, zero)


def avg_pool_backward(dy, divisors, dx, channels, images, window, launch):
    """dy (N, C, *O) and divisors (*O) → dx (N, C, *S)."""
    kernel, zero = numba_kernels.avg_pool_backward, dy.dtype.type(0)
    _run(kernel, launch, (dy, divisors, dx), channels, images, window, zero)


def _run(kernel, launch, arrays, *scalars):
    """Launch ``kernel`` over ``launch`` with the arrays flattened (views), then the scalars."""
    with warnings.catch_warnings():
        # Numba warns about grids of fewer than 128 blocks; a small array needs no more.
        warnings.simplefilter("ignore", NumbaPerformanceWarning)
        if simulating():
            kernel[launch.blocks, launch.threads](*(a.reshape(-1) for a in arrays), *scalars)
        else:
            stream = _cupy_stream()
            kernel[launch.blocks, launch.threads, stream](*map(_device_view, arrays), *scalars)


def _device_view(array):
    """A CuPy array as a flat Numba device array over the same memory (no copy)."""
    flat = array.reshape(-1)
    return cuda.from_cuda_array_interface(flat.__cuda_array_interface__, owner=flat, sync=False)


def _cupy_stream():
    """CuPy's current stream as a Numba stream (the legacy default stream is Numba's too)."""
    import cupy

    pointer = cupy.cuda.get_current_stream().ptr
    return cuda.external_stream(pointer) if pointer else cuda.default_stream()
