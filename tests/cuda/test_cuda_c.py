"""The CUDA C kernels of ``kernels/im2col.cu`` and ``kernels/pool.cu`` and their launchers
(``minicnn/cuda/cuda_c.py``), built for the host (``host/``) and run on NumPy arrays:
``GpuOpsSuite`` (``gpu_ops_suite.py``) with the CUDA C kernel set. The Numba twins pass the
same suite in the CUDA simulator."""

import sys
import types

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
        # CuPy passes a Python float as a double: 8 bytes where the kernel reads 4
        ((6, 2.0), "2.0 given where the kernel takes float32"),
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


def test_launches_have_launch_blocks_as_grid_and_launch_threads_as_block(host_kernels):
    # the host build runs any grid correctly; a GPU refuses a block of more than 1024 threads
    launches = []

    def record(filename, name, grid, block, args):
        launches.append((name, grid, block))
        host_kernels(filename, name, grid, block, args)

    gpu = GpuOps(CudaCKernels(run=record), threads=32, max_blocks=3)
    gpu.max_pool_forward(np.ones((1, 1, 100)), 1)  # 100 outputs: 4 blocks wanted, 3 allowed
    gpu.im2col(np.ones((1, 1, 10), np.float32), (1,), (1,), ((0, 0),), (1,), (10,))
    assert launches == [("max_pool_forward_f64", (3,), (32,)), ("im2col_f32", (1,), (32,))]


def test_a_kernel_is_looked_up_on_the_current_device(monkeypatch):
    # a kernel loaded on one GPU cannot run on another: the lookup is cached per device
    launches = []

    def get_kernel(filename, name, device):
        return lambda grid, block, args: launches.append((filename, name, device, grid, block))

    monkeypatch.setattr(rawmodule, "get_kernel", get_kernel)
    runtime = types.SimpleNamespace(getDevice=lambda: 2)
    cupy = types.SimpleNamespace(cuda=types.SimpleNamespace(runtime=runtime))
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    rawmodule.launch("im2col.cu", "im2col_f32", (3,), (32,), (np.int32(1),))
    assert launches == [("im2col.cu", "im2col_f32", 2, (3,), (32,))]
