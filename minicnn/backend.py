"""Array-module dispatch: the same op code runs on NumPy and CuPy arrays.

Every op asks ``get_array_module(x)`` for ``xp`` and allocates with ``xp.zeros``/``xp.empty``,
so a CuPy input keeps all its work on the GPU. CuPy is never imported here: an array is
recognised as CuPy's by the module its type comes from, so ``import minicnn`` works without
CuPy installed.

On the GPU, im2col, col2im and pooling can run three ways, chosen by ``set_gpu_kernels`` (for
the process) or ``with gpu_kernels(name):`` (for a block):

    "cuda-c"  the CUDA C kernels of ``kernels/*.cu``, compiled by NVRTC (the default)
    "numba"   their Numba CUDA twins (``minicnn/cuda/numba_kernels.py``)
    "cupy"    no hand-written kernel: the NumPy code of ``minicnn/ops`` run by CuPy

The kernels handle 1 to 3 spatial dimensions in float32 and float64; anything else (and every
NumPy array) takes the array-module code.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np

DEVICES = ("cpu", "gpu", "cuda")  # "cuda" is PyTorch's name for "gpu"
GPU_KERNELS = ("cuda-c", "numba", "cupy")
KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
MAX_KERNEL_SPATIAL_DIMS = 3

_gpu_kernels = "cuda-c"


def get_array_module(*arrays):
    """Return ``cupy`` if any argument is a ``cupy.ndarray``, else ``numpy``."""
    for array in arrays:
        if is_gpu_array(array):
            return sys.modules["cupy"]
    return np


def is_gpu_array(array) -> bool:
    """True for a ``cupy.ndarray`` (recognised without importing CuPy)."""
    return type(array).__module__.startswith("cupy")


def to_numpy(array):
    """The contents of a NumPy or CuPy array as a NumPy array (copied off the GPU)."""
    return array.get() if is_gpu_array(array) else np.asarray(array)


def copy_like(value, target):
    """A copy of array ``value`` with the dtype and array module (NumPy or CuPy) of
    ``target``: how saved state is loaded back into parameters, buffers and optimizers."""
    xp = get_array_module(target)
    return xp.array(to_numpy(value) if xp is np else value, dtype=target.dtype)


def check_device(device) -> str:
    """``"cpu"``, or ``"gpu"`` for ``"gpu"``/``"cuda"``; ``ValueError`` for anything else."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    return "cpu" if device == "cpu" else "gpu"


def to_device(array, device: str):
    """``array`` on ``device`` (``"cpu"`` → NumPy, ``"gpu"`` → CuPy), keeping its dtype; the
    array itself when it is there already. ``GPUUnavailableError`` when there is no GPU."""
    if check_device(device) == "cpu":
        return to_numpy(array)
    if is_gpu_array(array):
        return array
    from .cuda.device import require_gpu

    require_gpu("moving arrays to the GPU")
    import cupy

    return cupy.asarray(array)


def get_gpu_kernels() -> str:
    """The kernels im2col, col2im and pooling use on CuPy arrays (one of ``GPU_KERNELS``)."""
    return _gpu_kernels


def set_gpu_kernels(name: str) -> None:
    """Run im2col, col2im and pooling on CuPy arrays with ``name``: ``"cuda-c"`` (default),
    ``"numba"`` or ``"cupy"``."""
    global _gpu_kernels
    if name not in GPU_KERNELS:
        raise ValueError(f"GPU kernels must be one of {', '.join(GPU_KERNELS)}, got {name!r}")
    _gpu_kernels = name


@contextlib.contextmanager
def gpu_kernels(name: str):
    """Within the ``with`` block, im2col, col2im and pooling on CuPy arrays use ``name``."""
    previous = get_gpu_kernels()
    set_gpu_kernels(name)
    try:
        yield
    finally:
        set_gpu_kernels(previous)


def gpu_kernels_for(array, spatial_dims=None, dtype=None):
    """The hand-written kernel set (``minicnn.cuda.ops.GpuOps``) that should run an op on
    ``array``, or None for the array-module code: a NumPy array, the "cupy" setting, spatial
    dims (``spatial_dims``, else ``array.ndim − 2``) other than 1 to 3, or a dtype (``dtype``,
    else the array's) other than float32/float64."""
    if not is_gpu_array(array) or _gpu_kernels == "cupy":
        return None
    if spatial_dims is None:
        spatial_dims = array.ndim - 2
    if not 1 <= spatial_dims <= MAX_KERNEL_SPATIAL_DIMS:
        return None
    if np.dtype(array.dtype if dtype is None else dtype) not in KERNEL_DTYPES:
        return None
    from .cuda.ops import kernel_set

    return kernel_set(_gpu_kernels)
