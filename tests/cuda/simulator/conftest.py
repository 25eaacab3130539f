"""Checks that this process really runs Numba's CUDA simulator before any test here runs."""

from numba import cuda

if not hasattr(cuda, "simulator_init"):
    raise RuntimeError(
        "tests/cuda/simulator must run with NUMBA_ENABLE_CUDASIM=1 set before numba.cuda is "
        "imported (tests/cuda/test_simulator.py starts such a process)"
    )
