"""The GPU backend's host side, on a machine with or without a GPU: device names, the kernel
setting and its dispatch rule, the 3-d window geometry, and the errors that say there is no
GPU."""

import sys
import types
from pathlib import Path

import numpy as np
import pytest

import minicnn as mc
from minicnn import backend
from minicnn.cli import main
from minicnn.cuda import device
from minicnn.cuda.device import GPUUnavailableError, cupy_problem
from minicnn.cuda.elementwise import uniform
from minicnn.cuda.geometry import launch_for, window_3d
from minicnn.cuda.ops import kernel_set
from minicnn.cuda.rawmodule import kernel_dir

no_gpu = pytest.mark.skipif(cupy_problem() is None, reason="a GPU is usable here")


def test_device_names():
    assert backend.check_device("cpu") == "cpu"
    assert backend.check_device("gpu") == backend.check_device("cuda") == "gpu"
    with pytest.raises(ValueError, match="device must be one of cpu, gpu, cuda, got 'tpu'"):
        backend.check_device("tpu")


def test_gpu_kernel_setting_and_context():
    assert backend.get_gpu_kernels() == "cuda-c"
    with backend.gpu_kernels("numba"):
        assert backend.get_gpu_kernels() == "numba"
    assert backend.get_gpu_kernels() == "cuda-c"
    with pytest.raises(ValueError, match="GPU kernels must be one of cuda-c, numba, cupy"):
        backend.set_gpu_kernels("opencl")


def test_numpy_arrays_never_take_the_gpu_kernels():
    x = np.zeros((1, 1, 4, 4), np.float32)
    for name in backend.GPU_KERNELS:
        with backend.gpu_kernels(name):
            assert backend.gpu_kernels_for(x) is None


def test_to_device_cpu_keeps_numpy_arrays():
    x = np.arange(3.0)
    assert backend.to_device(x, "cpu") is x


def test_window_3d_puts_missing_axes_in_front():
    window = window_3d((7,), (3,), (2,), ((1, 2),), (1,), (4,))
    assert window.size == (1, 1, 7) and window.kernel == (1, 1, 3) and window.out == (1, 1, 4)
    assert window.stride == (1, 1, 2) and window.pad == (0, 0, 1) and window.dilation == (1, 1, 1)
    assert window.ints() == (1, 1, 7, 1, 1, 3, 1, 1, 4, 1, 1, 2, 0, 0, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="1 to 3 spatial dims, got 4"):
        window_3d((2,) * 4, (1,) * 4, (1,) * 4, ((0, 0),) * 4, (1,) * 4, (2,) * 4)


def test_launch_sizes():
    assert launch_for(1) == (1, 256)
    assert launch_for(257) == (2, 256)
    assert launch_for(10**9) == (65535, 256)  # the grid-stride loop covers the rest
    assert launch_for(100, threads=32, max_blocks=3) == (3, 32)


def test_kernel_sources_are_found_through_the_package():
    assert (kernel_dir() / "im2col.cu").is_file()
    assert kernel_dir().resolve() == Path(__file__).resolve().parents[2] / "kernels"


def test_dropout_random_numbers_are_splitmix64():
    def splitmix64(seed, i):  # the reference algorithm, in Python integers
        mask = 2**64 - 1
        z = (seed + (i + 1) * 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return z ^ (z >> 31)

    u = uniform(12345, 1000)
    assert u.dtype == np.float64 and u.min() >= 0 and u.max() < 1
    assert [float(v) for v in u[:5]] == [(splitmix64(12345, i) >> 11) * 2.0**-53 for i in range(5)]
    assert abs(u.mean() - 0.5) < 0.05


@no_gpu
def test_module_to_gpu_without_a_gpu_says_why_and_moves_nothing():
    model = mc.nn.Sequential(mc.nn.Conv2d(1, 2, 3), mc.nn.BatchNorm2d(2))
    with pytest.raises(GPUUnavailableError, match=r"Sequential.to\('gpu'\) needs a CUDA GPU"):
        model.to("gpu")
    assert all(type(p.data) is np.ndarray for p in model.parameters())
    assert model.to("cpu") is model and type(model[1].running_mean) is np.ndarray


@no_gpu
def test_train_on_gpu_without_a_gpu_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "--device", "gpu", "--epochs", "1", "--out", str(tmp_path)]) == 1
    message = capsys.readouterr().err
    assert "minicnn train: --device gpu needs a CUDA GPU, but" in message
    assert not (tmp_path / "metrics.json").exists()


def test_window_3d_refuses_inputs_without_spatial_dims():
    with pytest.raises(ValueError, match="1 to 3 spatial dims, got 0"):
        window_3d((), (), (), (), (), ())


def test_an_empty_array_still_gets_one_block():
    # a grid of no blocks is not a valid launch; the grid-stride loop then does nothing
    assert launch_for(0) == (1, 256)
    assert launch_for(0, threads=32, max_blocks=3) == (1, 32)


class FakeGpuArray:
    """What ``backend`` sees of a ``cupy.ndarray``: its type comes from CuPy's module."""

    __module__ = "cupy._core.core"

    def __init__(self, shape, dtype=np.float32):
        self.shape, self.ndim, self.dtype = shape, len(shape), np.dtype(dtype)


def test_which_gpu_arrays_take_the_hand_written_kernels():
    cuda_c = kernel_set("cuda-c")
    assert kernel_set("cuda-c") is cuda_c
    for shape in [(2, 3, 4), (2, 3, 4, 5), (2, 3, 4, 5, 6)]:  # 1 to 3 spatial dims
        assert backend.gpu_kernels_for(FakeGpuArray(shape)) is cuda_c
        assert backend.gpu_kernels_for(FakeGpuArray(shape, np.float64)) is cuda_c
    assert backend.gpu_kernels_for(FakeGpuArray((2, 3))) is None
    assert backend.gpu_kernels_for(FakeGpuArray((2, 3, 4, 5, 6, 7))) is None
    assert backend.gpu_kernels_for(FakeGpuArray((2, 3, 4), np.float16)) is None
    assert backend.gpu_kernels_for(FakeGpuArray((2, 3, 4)), dtype=np.int64) is None
    assert backend.gpu_kernels_for(FakeGpuArray((2, 3)), spatial_dims=2) is cuda_c
    assert backend.gpu_kernels_for(FakeGpuArray((2, 3, 4)), spatial_dims=4) is None
    with backend.gpu_kernels("cupy"):
        assert backend.gpu_kernels_for(FakeGpuArray((2, 3, 4))) is None
    with pytest.raises(ValueError, match="no GPU kernel set named 'cupy'"):
        kernel_set("cupy")


def test_the_kernel_setting_is_restored_when_the_block_raises():
    for before in ("cuda-c", "numba"):
        with backend.gpu_kernels(before):
            after = "numba" if before == "cuda-c" else "cuda-c"
            with pytest.raises(KeyError), backend.gpu_kernels(after):
                raise KeyError("in the block")
            assert backend.get_gpu_kernels() == before


def test_any_gpu_array_among_the_arguments_makes_the_module_cupy(monkeypatch):
    cupy = types.ModuleType("cupy")
    monkeypatch.setitem(sys.modules, "cupy", cupy)
    assert backend.get_array_module(np.zeros(2), FakeGpuArray((2,))) is cupy
    assert backend.get_array_module(np.zeros(2), 1.0) is np


def test_to_device_gpu_keeps_a_gpu_array():
    x = FakeGpuArray((2, 3))
    assert backend.to_device(x, "gpu") is x  # not moved again: no GPU needed for that


def test_cupy_problem_says_why_cupy_cannot_run(monkeypatch):
    class CUDARuntimeError(RuntimeError):
        pass

    runtime = types.SimpleNamespace(CUDARuntimeError=CUDARuntimeError)
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=runtime)
    monkeypatch.setitem(sys.modules, "cupy", fake)

    def no_driver():
        raise CUDARuntimeError("cudaErrorNoDevice")

    found = {}
    try:
        for name, count in [("none", lambda: 0), ("one", lambda: 1), ("error", no_driver)]:
            runtime.getDeviceCount = count
            device.cupy_problem.cache_clear()
            found[name] = device.cupy_problem()
    finally:
        device.cupy_problem.cache_clear()
    assert found["none"] == "CuPy finds no CUDA GPU (device count 0)"
    assert found["one"] is None
    assert found["error"] == "CuPy finds no usable CUDA GPU (cudaErrorNoDevice)"


def test_require_gpu_asks_numba_only_for_the_numba_kernels(monkeypatch):
    monkeypatch.setattr(device, "cupy_problem", lambda: None)
    monkeypatch.setattr(device, "numba_cuda_problem", lambda: "Numba finds no GPU")
    with backend.gpu_kernels("cuda-c"):
        device.require_gpu("this")  # the CUDA C kernels need CuPy alone
    message = "this needs a CUDA GPU, but Numba finds no GPU"
    with backend.gpu_kernels("numba"), pytest.raises(GPUUnavailableError, match=message):
        device.require_gpu("this")
