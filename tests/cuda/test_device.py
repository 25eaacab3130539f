"""The GPU backend's host side, on a machine with or without a GPU: device names, the kernel
setting and its dispatch rule, the 3-d window geometry, and the errors that say there is no
GPU."""

from pathlib import Path

import numpy as np
import pytest

import minicnn as mc
from minicnn import backend
from minicnn.cli import main
from minicnn.cuda.device import GPUUnavailableError, cupy_problem
from minicnn.cuda.elementwise import uniform
from minicnn.cuda.geometry import launch_for, window_3d
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
