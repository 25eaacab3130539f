"""On a CUDA GPU (marker ``gpu``): CuPy compiles every raw kernel with ``-ftz=true``, so the
float32 CUDA C kernels take subnormal numbers (below 1.18e-38 in magnitude) for zero, while
NumPy and the Numba twins keep them (``kernels/README.md``). Max pooling over ``[0, 1e-40]``
shows it: the CUDA C kernel sees a tie and keeps the first tap. Skipped, saying why, without
a GPU."""

import numpy as np
import pytest

from minicnn import backend
from minicnn.cuda.device import cupy_problem, numba_cuda_problem
from minicnn.ops import pool

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(cupy_problem() is not None, reason=f"no GPU: {cupy_problem()}"),
]
X = np.array([[[0.0, 1e-40]]], np.float32)  # (N, C, W) = (1, 1, 2); 1e-40 is subnormal
DY = np.ones((1, 1, 1), np.float32)


def max_pool(x, dy):
    """The pooled value and the gradient of the window's two elements."""
    y, cache = pool.max_pool_forward(x, 2)
    return backend.to_numpy(y).item(), backend.to_numpy(pool.max_pool_backward(dy, cache)).ravel()


@pytest.mark.parametrize("kernels", ["cuda-c", "numba"])
def test_only_the_cuda_c_kernels_flush_float32_subnormals(kernels):
    import cupy

    if kernels == "numba" and numba_cuda_problem():
        pytest.skip(numba_cuda_problem())
    assert X[0, 0, 1] != 0
    value, dx = max_pool(X, DY)
    assert value == X[0, 0, 1] and dx.tolist() == [0, 1]  # NumPy: the subnormal wins
    with backend.gpu_kernels(kernels):
        gpu_value, gpu_dx = max_pool(cupy.asarray(X), cupy.asarray(DY))
    if kernels == "cuda-c":
        assert gpu_value == 0 and gpu_dx.tolist() == [1, 0]
    else:
        assert gpu_value == value and gpu_dx.tolist() == dx.tolist()
