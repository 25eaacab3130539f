"""The GPU code's tests without a GPU.

The simulator tests (``simulator/``) need ``NUMBA_ENABLE_CUDASIM=1`` set before
``numba.cuda`` is first imported, which a pytest process that has already run other tests
cannot promise. So they are collected only in a process started with that variable set:
``test_simulator.py`` starts one (``NUMBA_ENABLE_CUDASIM=1 pytest tests/cuda/simulator`` runs
them directly).

The CUDA C kernels run on the host through the ``host_kernels`` fixture (``host/``), and the
GPU suite ``test_gpu.py`` runs on a stand-in for CuPy (``stand_in/``, ``test_gpu_stand_in.py``)."""

import os

import pytest

from .host import ENTRY_POINTS, CompilerMissing, HostKernels

if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
    collect_ignore = ["simulator"]


@pytest.fixture(scope="session")
def host_kernels(tmp_path_factory):
    """Every ``kernels/*.cu`` file built for the host (``tests/cuda/host``): callable as the
    ``run`` of the launchers. Skipped, saying why, without a C++20 compiler."""
    kernels = HostKernels(tmp_path_factory.mktemp("host-kernels"))
    try:
        for filename in ENTRY_POINTS:
            kernels.compile(filename)
    except CompilerMissing as reason:
        pytest.skip(str(reason))
    return kernels
