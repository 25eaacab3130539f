"""minicnn on the GPU: CuPy arrays, and hand-written kernels for im2col, col2im and pooling.

One concern per file:

    device.py         is there a usable GPU (CuPy, Numba)? ``GPUUnavailableError`` if not
    geometry.py       the 3-d window geometry the kernels take, and launch sizes
    rawmodule.py      loading ``kernels/*.cu`` into ``cupy.RawModule``
    cuda_c.py         launchers of the CUDA C kernels (im2col, col2im, pooling)
    numba_kernels.py  their Numba CUDA twins, line for line
    numba_launch.py   launchers of the Numba kernels (the same functions as cuda_c.py)
    ops.py            ``GpuOps``: the ops of ``minicnn.ops.im2col``/``pool`` on either kernel set
    elementwise.py    fused kernels: bias + ReLU, dropout with its mask in one pass

Everything else runs on CuPy through the array module (``backend.get_array_module``); GEMMs
go to ``cupy.matmul`` (cuBLAS). Which kernels run is ``backend.set_gpu_kernels("cuda-c" |
"numba" | "cupy")``. Importing this package needs neither CuPy nor Numba; the modules that
launch kernels import them when first used.
"""

from .device import GPUUnavailableError, gpu_available, require_gpu

__all__ = ["GPUUnavailableError", "gpu_available", "require_gpu"]
