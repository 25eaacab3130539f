"""Launchers of the CUDA C kernels in ``kernels/im2col.cu`` and ``kernels/pool.cu``.

``CudaCKernels`` has one method per kernel pair. Each takes C-contiguous arrays (the outputs
allocated by the caller, ``minicnn/cuda/ops.py``), the channel and image counts, the
``Window3d`` and the ``Launch``, and picks the kernel for the dtype (``*_f32`` or ``*_f64``).
CuPy passes Python scalars with types of its own choosing, so every scalar goes in as a NumPy
scalar of the C parameter's type: ``np.int32`` for ``int``, the array's dtype for ``T``.

The Numba twins (``numba_launch.py``) have the same functions with the same arguments.
"""

from __future__ import annotations

import numpy as np

from .rawmodule import launch as gpu_launch

SUFFIX = {np.dtype(np.float32): "f32", np.dtype(np.float64): "f64"}


class CudaCKernels:
    """The CUDA C kernels, launched by ``run(filename, name, grid, block, args)`` (on the
    GPU by default; see ``rawmodule.launch``)."""

    def __init__(self, run=gpu_launch):
        self.run = run

    def im2col(self, x, cols, channels, images, window, fill, launch):
        """x (N, C, *S) → cols (C, *K, N, *O), padding read as ``fill``."""
        fill = x.dtype.type(fill)
        self._launch(
            "im2col.cu", "im2col", x.dtype, launch, (x, cols), channels, images, window, fill
        )

    def col2im(self, cols, dx, channels, images, window, launch):
        """cols (C, *K, N, *O) → dx (N, C, *S), the sum over the windows covering each element."""
        self._launch(
            "im2col.cu", "col2im", cols.dtype, launch, (cols, dx), channels, images, window
        )

    def extreme_pool_forward(self, x, y, winners, channels, images, window, largest, launch):
        """x (N, C, *S) → y (N, C, *O) and winners (C, N, *O) int32, for max or min pooling."""
        name = "max_pool_forward" if largest else "min_pool_forward"
        self._launch("pool.cu", name, x.dtype, launch, (x, y, winners), channels, images, window)

    def extreme_pool_backward(self, dy, winners, dx, channels, images, window, launch):
        """dy (N, C, *O) and winners (C, N, *O) → dx (N, C, *S)."""
        arrays = (dy, winners, dx)
        self._launch(
            "pool.cu", "extreme_pool_backward", dy.dtype, launch, arrays, channels, images, window
        )

    def avg_pool_forward(self, x, divisors, y, channels, images, window, launch):
        """x (N, C, *S) and divisors (*O) → y (N, C, *O)."""
        arrays = (x, divisors, y)
        self._launch(
            "pool.cu", "avg_pool_forward", x.dtype, launch, arrays, channels, images, window
        )

    def avg_pool_backward(self, dy, divisors, dx, channels, images, window, launch):
        """dy (N, C, *O) and divisors (*O) → dx (N, C, *S)."""
        arrays = (dy, divisors, dx)
        self._launch(
            "pool.cu", "avg_pool_backward", dy.dtype, launch, arrays, channels, images, window
        )

    def _launch(self, filename, name, dtype, launch, arrays, channels, images, window, *extra):
        ints = tuple(np.int32(value) for value in (channels, images, *window.ints()))
        name = f"{name}_{SUFFIX[np.dtype(dtype)]}"
        self.run(filename, name, (launch.blocks,), (launch.threads,), (*arrays, *ints, *extra))
