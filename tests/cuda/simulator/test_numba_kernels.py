"""The Numba CUDA kernels, run in Numba's CUDA simulator on NumPy arrays: ``GpuOpsSuite``
(``tests/cuda/gpu_ops_suite.py``) with the Numba kernel set."""

import pytest

from minicnn.cuda import numba_launch
from minicnn.cuda.ops import GpuOps

from ..gpu_ops_suite import GpuOpsSuite


@pytest.fixture(scope="module")
def gpu():
    return GpuOps(numba_launch, threads=32, max_blocks=3)


class TestNumbaKernels(GpuOpsSuite):
    """The suite, run by the fixture ``gpu`` above."""
