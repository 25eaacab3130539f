"""The CUDA C kernel files run on the host, for tests on a machine without a GPU.

``HostKernels`` compiles a ``kernels/*.cu`` file with g++ as C++20, ``cuda_host.h``
force-included (blocks in turn, each block's threads as real threads taking turns between
``__syncthreads``, or one after another in a file that never synchronises), and exports each
of its kernels through ``HOST_LAUNCH``. Called as
``run(filename, name, grid, block, args)``, the signature of ``minicnn.cuda.rawmodule.launch``,
it is the ``run`` the launchers take: the launchers' own code and the kernels' own code run,
on NumPy arrays. Each argument must be of its C parameter's type, as the host build declares
it (``host_<kernel>_parameters``), for CuPy passes the bytes of whatever it is given: an
array of the pointer's element type, a NumPy scalar of the scalar's type. Each array
reaches the kernel as a copy that ends at an inaccessible page (``guarded.py``): a read or
write past its end is a segmentation fault. A load through a misaligned vector pointer,
which faults on a GPU, stops the process with an illegal instruction (the builds check
alignment: ``-fsanitize=alignment``, trapping).
"""

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np

from minicnn.cuda.rawmodule import kernel_dir, read_source

from .guarded import guarded_copy

HERE = Path(__file__).parent
# every kernel of every file, in the order of the file
ENTRY_POINTS = {
    "im2col.cu": ["im2col_f32", "im2col_f64", "col2im_f32", "col2im_f64"],
    "pool.cu": [
        f"{name}_{suffix}"
        for name in (
            "max_pool_forward",
            "min_pool_forward",
            "extreme_pool_backward",
            "avg_pool_forward",
            "avg_pool_backward",
        )
        for suffix in ("f32", "f64")
    ],
    "elementwise.cu": ["bias_relu_f32", "bias_relu_f64", "dropout_f32", "dropout_f64"],
    "conv_implicit_gemm.cu": [
        f"conv_{kind}_implicit_gemm_m{rows}"
        for kind in ("forward", "backward_data", "backward_weights")
        for rows in (64, 128)
    ],
}
# the C type of each scalar parameter, by its NumPy name (cuda_host.h, parameter_type)
C_TYPES = {
    "int32": ctypes.c_int,
    "int64": ctypes.c_longlong,
    "uint64": ctypes.c_ulonglong,
    "float32": ctypes.c_float,
    "float64": ctypes.c_double,
}


class CompilerMissing(RuntimeError):
    """No C++20 compiler with ``<semaphore>``: the kernels cannot be built for the host."""


class HostKernels:
    """``run(filename, name, grid, block, args)`` on the host; libraries built in ``folder``.

    With ``misalign`` (bytes), every array but the tap tables (``int4`` rows, which the
    launchers allocate themselves) reaches the kernel that many bytes past a 16-byte boundary.
    """

    def __init__(self, folder: Path, misalign: int = 0):
        self.folder, self.libraries, self.misalign = Path(folder), {}, misalign

    def __call__(self, filename, name, grid, block, args):
        assert len(grid) <= 3 and len(block) == 1, (grid, block)
        grid = (*grid, *(1,) * (3 - len(grid)))
        library = self._library(filename)
        parameters = self.parameters(filename, name)
        assert len(args) == len(parameters), (
            f"{name} takes {len(parameters)} arguments, got {len(args)}"
        )
        types = [ctypes.c_uint] * 4
        types += [self._c_type(name, *pair) for pair in zip(parameters, args)]
        copies = [
            guarded_copy(arg, 0 if parameter == "*int4" else self.misalign)
            if isinstance(arg, np.ndarray)
            else arg
            for parameter, arg in zip(parameters, args)
        ]
        values = [*grid, *block] + [
            arg.ctypes.data if isinstance(arg, np.ndarray) else arg.item() for arg in copies
        ]
        address = ctypes.c_void_p.in_dll(library, f"host_{name}").value
        ctypes.CFUNCTYPE(None, *types)(address)(*values)
        for arg, copy in zip(args, copies):
            if isinstance(arg, np.ndarray):
                arg[...] = copy  # what the kernel wrote

    def misaligned(self, misalign: int) -> "HostKernels":
        """These builds, with every array but the tap tables ``misalign`` bytes off."""
        kernels = HostKernels(self.folder, misalign)
        kernels.libraries = self.libraries
        return kernels

    def parameters(self, filename, name) -> list[str]:
        """The NumPy names of the parameter types of kernel ``name``: ``"int32"``, ``"*float32"``
        (a pointer), ``"*int4"`` (a pointer to rows of four ``int``)."""
        describe = getattr(self._library(filename), f"host_{name}_parameters")
        describe.restype = ctypes.c_char_p
        return describe().decode().split()

    @staticmethod
    def _c_type(name, parameter, arg):
        """The ctypes type of ``arg`` for ``parameter``; ``AssertionError`` where they differ."""
        if isinstance(arg, np.ndarray):
            given = f"an array of {arg.dtype} {arg.shape}"
            assert arg.flags.c_contiguous, f"{name}: a kernel argument is not C-contiguous"
        else:
            given = type(arg).__name__ if isinstance(arg, np.generic) else repr(arg)
        mismatch = f"{name}: {given} given where the kernel takes {parameter}"
        if parameter == "*int4":
            assert isinstance(arg, np.ndarray) and arg.dtype == np.int32, mismatch
            assert arg.ndim >= 1 and arg.shape[-1] == 4, mismatch
            return ctypes.c_void_p
        if parameter.startswith("*"):
            assert isinstance(arg, np.ndarray) and arg.dtype == np.dtype(parameter[1:]), mismatch
            return ctypes.c_void_p
        assert type(arg) is np.dtype(parameter).type, mismatch
        return C_TYPES[parameter]

    def _library(self, filename):
        if filename not in self.libraries:
            self.compile(filename)
        return self.libraries[filename]

    def compile(self, filename):
        """Build and load the host library of ``kernels/filename``."""
        compiler = shutil.which("g++")
        if compiler is None:
            raise CompilerMissing("g++ is not on PATH: the kernels cannot be compiled for the host")
        stem = Path(filename).stem
        source, library = self.folder / f"{stem}_host.cpp", self.folder / f"{stem}_host.so"
        exports = "".join(f"HOST_LAUNCH({name})\n" for name in ENTRY_POINTS[filename])
        source.write_text(f'#include "{filename}"\n{exports}')
        command = [compiler, "-std=c++20", "-O2", "-shared", "-fPIC", "-pthread"]
        command += ["-fno-strict-aliasing", "-Wall", "-Werror", "-Wno-unknown-pragmas"]
        # a load through a misaligned float2/float4/int4 pointer (a fault on a GPU) traps
        command += ["-fsanitize=alignment", "-fsanitize-undefined-trap-on-error"]
        command += ["-include", str(HERE / "cuda_host.h"), "-I", str(kernel_dir())]
        if "__syncthreads" not in read_source(filename):
            command.append("-DHOST_SEQUENTIAL")  # independent threads: run one by one
        command += ["-o", str(library), str(source)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if result.returncode and "semaphore" in result.stderr and "No such file" in result.stderr:
            raise CompilerMissing(f"{compiler} has no C++20 <semaphore>: {result.stderr.strip()}")
        assert result.returncode == 0, result.stderr
        self.libraries[filename] = ctypes.CDLL(str(library))
