"""Loading the CUDA C kernels of ``kernels/*.cu`` into CuPy.

``cupy.RawModule`` compiles a source file with NVRTC on first use (cached on disk by CuPy,
keyed by the source text) and hands out its ``extern "C" __global__`` functions by name.

The ``.cu`` files live in the repository's ``kernels/`` folder. ``minicnn/cuda/kernels`` is a
link to it, and the wheel carries the files themselves there (``package-data`` in
pyproject.toml), so the same lookup works in a checkout and in an installed package.
A ``#include "common.cuh"`` is replaced by the header's text before compiling, so that
CuPy's cache key covers the header too.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

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
def get_kernel(filename: str, name: str):
    """The kernel ``name`` of ``kernels/filename``, callable as ``kernel(grid, block, args)``
    (looked up once: a lookup per launch would add to the timings of small kernels)."""
    return raw_module(filename).get_function(name)
