"""Loading the CUDA C kernels of ``kernels/*.cu`` into CuPy.

``cupy.RawModule`` compiles a source file with NVRTC on first use (cached on disk by CuPy,
keyed by the source text) and hands out its ``extern "C" __global__`` functions by name.

The ``.cu`` files live in the repository's ``kernels/`` folder. ``minicnn/cuda/kernels`` is a
link to it, and the wheel carries the files themselves there (``package-data`` in
pyproject.toml), so the same lookup works in a checkout and in an installed package.
A ``#include "common.cuh"`` is replaced by the header's text before compiling, so that
CuPy's cache key covers the header too. CuPy adds ``-ftz=true`` to the options: float32
subnormals are taken for zero (``kernels/README.md``).

Every launcher (``cuda_c.py``, ``elementwise.py``, ``implicit_gemm.py``) launches through a
``run(filename, name, grid, block, args)`` function, ``launch`` below by default. The tests
pass another, which runs the same ``.cu`` file compiled for the host, so that the launchers
and the kernels are checked on a machine without a GPU.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
# installed (or through the link in a checkout), then the checkout's own folder
KERNEL_DIRS = (_HERE / "kernels", _HERE.parent.parent / "kernels")
NVRTC_OPTIONS = ("-std=c++17",)
_INCLUDE = re.compile(r'^#include "(\w+\.cuh)"$', re.MULTILINE)


def kernel_dir() -> Path:
    """The folder holding the ``.cu`` files."""
    for folder in KERNEL_DIRS:
        if (folder / "common.cuh").is_file():
            return folder
    raise FileNotFoundError(
        "the CUDA C sources of minicnn are missing: looked in "
        + ", ".join(str(folder) for folder in KERNEL_DIRS)
    )


def kernel_sources() -> list[Path]:
    """Every ``.cu`` file, sorted by name."""
    return sorted(kernel_dir().glob("*.cu"))


def read_source(filename: str) -> str:
    """The text of ``kernels/filename`` with its ``#include "*.cuh"`` lines expanded."""
    folder = kernel_dir()
    text = (folder / filename).read_text()
    return _INCLUDE.sub(lambda match: (folder / match.group(1)).read_text(), text)


@functools.cache
def raw_module(filename: str):
    """The ``cupy.RawModule`` of ``kernels/filename`` (compiled on first use, per device)."""
    import cupy

    return cupy.RawModule(code=read_source(filename), options=NVRTC_OPTIONS)


@functools.cache
def get_kernel(filename: str, name: str, device: int):
    """The kernel ``name`` of ``kernels/filename`` loaded on GPU ``device`` (the current one),
    callable as ``kernel(grid, block, args)``. Looked up once per device: a lookup per launch
    would add to the timings of small kernels, and a kernel loaded on one GPU cannot run on
    another."""
    return raw_module(filename).get_function(name)


def launch(filename: str, name: str, grid: tuple, block: tuple, args: tuple) -> None:
    """Launch kernel ``name`` of ``kernels/filename`` on the current GPU: ``grid`` blocks of
    ``block`` threads, with ``args`` (CuPy arrays and NumPy scalars of the C parameters'
    types). ``TypeError`` for a NumPy array, which a kernel cannot read."""
    if any(isinstance(arg, np.ndarray) for arg in args):
        raise TypeError(f"the CUDA C kernel {name} takes CuPy arrays, got a NumPy array")
    import cupy

    get_kernel(filename, name, cupy.cuda.runtime.getDevice())(grid, block, args)
