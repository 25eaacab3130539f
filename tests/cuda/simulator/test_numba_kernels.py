"""The Numba CUDA kernels, run in Numba's CUDA simulator on NumPy arrays: ``GpuOpsSuite``
(``tests/cuda/gpu_ops_suite.py``) with the Numba kernel set."""

import sys
import types

import pytest

from minicnn.cuda import numba_launch
from minicnn.cuda.device import numba_cuda_problem, simulating
from minicnn.cuda.ops import GpuOps

from ..gpu_ops_suite import GpuOpsSuite


@pytest.fixture(scope="module")
def gpu():
    return GpuOps(numba_launch, threads=32, max_blocks=3)


class TestNumbaKernels(GpuOpsSuite):
    """The suite, run by the fixture ``gpu`` above."""


def test_the_simulator_is_not_a_gpu_for_numba():
    # minicnn's Numba kernels on the GPU need CuPy's device arrays, which the simulator lacks
    assert simulating()
    assert numba_cuda_problem() == (
        "Numba runs its CUDA simulator (NUMBA_ENABLE_CUDASIM=1), not a GPU"
    )


def test_the_kernels_run_on_cupys_current_stream(monkeypatch):
    # on a GPU: CuPy's stream as a Numba external stream; the legacy default stream (0) is
    # Numba's default stream
    numba_cuda = types.SimpleNamespace(
        external_stream=lambda pointer: ("external", pointer), default_stream=lambda: "default"
    )
    monkeypatch.setattr(numba_launch, "cuda", numba_cuda)
    found = []
    for pointer in (1234, 0):
        stream = types.SimpleNamespace(ptr=pointer)
        cuda = types.SimpleNamespace(get_current_stream=lambda stream=stream: stream)
        monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(cuda=cuda))
        found.append(numba_launch._cupy_stream())
    assert found == [("external", 1234), "default"]


def test_a_device_view_shares_cupys_memory_without_synchronising(monkeypatch):
    calls = []

    def from_cuda_array_interface(interface, owner, sync):
        calls.append((interface, owner, sync))
        return "view"

    numba_cuda = types.SimpleNamespace(from_cuda_array_interface=from_cuda_array_interface)
    monkeypatch.setattr(numba_launch, "cuda", numba_cuda)
    flat = types.SimpleNamespace(__cuda_array_interface__={"shape": (6,)})
    array = types.SimpleNamespace(reshape=lambda *shape: flat if shape == (-1,) else None)
    assert numba_launch._device_view(array) == "view"
    assert calls == [({"shape": (6,)}, flat, False)]
