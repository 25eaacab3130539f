"""The CUDA C kernels of ``kernels/im2col.cu`` and ``kernels/pool.cu`` and their launchers
(``minicnn/cuda/cuda_c.py``), built for the host (``host/``) and run on NumPy arrays:
``GpuOpsSuite`` (``gpu_ops_suite.py``) with the CUDA C kernel set. The Numba twins pass the
same suite in the CUDA simulator."""

import numpy as np
import pytest

from minicnn.cuda import rawmodule
from minicnn.cuda.cuda_c import CudaCKernels
from minicnn.cuda.ops import GpuOps

from .gpu_ops_suite import GpuOpsSuite


@pytest.fixture(scope="module")
def gpu(host_kernels):
    return GpuOps(CudaCKernels(run=host_kernels), threads=32, max_blocks=3)


class TestCudaCKernels(GpuOpsSuite):
    """The suite, run by the fixture ``gpu`` above."""


def test_a_numpy_array_is_refused_before_any_launch():
    with pytest.raises(TypeError, match="im2col_f32 takes CuPy arrays, got a NumPy array"):
        rawmodule.launch("im2col.cu", "im2col_f32", (1,), (32,), (np.zeros(3, np.float32),))
