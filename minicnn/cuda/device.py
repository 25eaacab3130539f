"""Is there a GPU? Detecting one without needing one.

CuPy imports on a machine without a GPU (or without a driver); the first call that touches
the device then raises ``cupy.cuda.runtime.CUDARuntimeError``. So "a GPU is usable" means:
CuPy imports, and asking the runtime for the device count succeeds with at least one device.
Numba has its own check, ``numba.cuda.is_available()``, which the Numba kernels need.

Each ``*_problem()`` function returns ``None`` when its tool is usable and otherwise a
sentence saying why not, which ``require_gpu`` puts into its error and the tests into their
skip reasons.
"""

from __future__ import annotations

import functools

INSTALL_HINT = "install the GPU extra: pip install 'minicnn[gpu]'"


class GPUUnavailableError(RuntimeError):
    """A GPU was asked for (``Module.to('gpu')``, ``minicnn train --device gpu``, a GPU
    kernel) and none can be used; the message says why."""


@functools.cache
def cupy_problem() -> str | None:
    """None if CuPy can run on a GPU here, otherwise why not."""
    try:
        import cupy
    except ImportError as error:
        return f"CuPy is not installed ({error}); {INSTALL_HINT}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError as error:
        return f"CuPy finds no usable CUDA GPU ({error})"
    return None if count > 0 else "CuPy finds no CUDA GPU (device count 0)"


@functools.cache
def numba_cuda_problem() -> str | None:
    """None if Numba can launch kernels on a real GPU here, otherwise why not."""
    try:
        from numba import cuda
    except ImportError as error:
        return f"Numba's CUDA target is not installed ({error}); {INSTALL_HINT}"
    if simulating():
        return "Numba runs its CUDA simulator (NUMBA_ENABLE_CUDASIM=1), not a GPU"
    if cuda.is_available():
        return None
    return "numba.cuda.is_available() is False: Numba finds no usable CUDA GPU or driver"


def simulating() -> bool:
    """True when Numba runs CUDA kernels in its simulator (``NUMBA_ENABLE_CUDASIM=1``)."""
    from numba import cuda

    return hasattr(cuda, "simulator_init")  # the simulator's entry module, loaded in its place


def gpu_available() -> bool:
    """True when CuPy can run on a GPU (the condition for ``Module.to('gpu')``)."""
    return cupy_problem() is None


def require_gpu(purpose: str) -> None:
    """Raise ``GPUUnavailableError`` naming ``purpose`` (e.g. "--device gpu") when CuPy
    cannot run on a GPU here, or when the Numba kernels are selected
    (``backend.set_gpu_kernels("numba")``) and Numba cannot."""
    from ..backend import get_gpu_kernels

    problem = cupy_problem()
    if problem is None and get_gpu_kernels() == "numba":
        problem = numba_cuda_problem()
    if problem is not None:
        raise GPUUnavailableError(f"{purpose} needs a CUDA GPU, but {problem}")
