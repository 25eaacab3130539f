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


def test_the_host_build_knows_each_kernels_parameter_types(host_kernels):
    bias_relu = host_kernels.parameters("elementwise.cu", "bias_relu_f32")
    assert bias_relu == ["*float32", "*float32", "*float32", "int64", "int32", "int64"]
    forward = host_kernels.parameters("conv_implicit_gemm.cu", "conv_forward_implicit_gemm_m64")
    assert forward[:4] == ["*float32", "*float32", "*int4", "*float32"]


@pytest.mark.parametrize(
    "change, message",
    [
        ((3, np.int32(6)), "int32 given where the kernel takes int64"),  # the GPU reads 8 bytes
        ((6, np.float64(2.0)), "float64 given where the kernel takes float32"),
        ((3, 6), "6 given where the kernel takes int64"),  # CuPy picks a Python int's type
        ((0, np.zeros(6, np.float64)), r"float64 \(6,\) given where the kernel takes \*float32"),
    ],
)
def test_the_host_build_refuses_an_argument_of_another_type(host_kernels, change, message):
    x, y, mask = (np.zeros(6, np.float32) for _ in range(3))
    args = [x, y, mask, np.int64(6), np.uint64(1), np.float64(0.5), np.float32(2.0)]
    index, value = change
    args[index] = value
    with pytest.raises(AssertionError, match=message):
        host_kernels("elementwise.cu", "dropout_f32", (1,), (32,), tuple(args))
