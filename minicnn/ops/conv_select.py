"""Which convolution algorithm runs: a heuristic per shape, or the one you force.

Every algorithm computes the same convolution (the tests hold each to the same oracles):

    im2col         im2col by NumPy slicing + GEMM; any number of dims, NumPy or CuPy
    im2col-numba   the same with Numba-compiled im2col/col2im (1-3 dims, NumPy)
    pointwise      1×1 kernels without padding: the convolution is a GEMM, no im2col
    winograd       F(4×4, 3×3) for 2-d 3×3 kernels, stride 1, dilation 1 (NumPy)
    implicit-gemm  the im2col GEMMs without the columns: CUDA C kernels (CuPy float32, 1-3 dims)

Each algorithm's ``devices`` says where it runs: ("cpu",), ("gpu",) or both.

``"auto"`` (the default) picks, in this order: ``pointwise`` when it applies; ``winograd``
for 3×3/stride-1 layers with enough channels and output tiles to pay for the transforms;
``im2col-numba`` where it applies and the columns are large; ``im2col`` otherwise — on small
columns NumPy's slicing beats the compiled loops (measured: half the time on the MNIST-1D
CNN's layers).
The thresholds come from ``benchmarks/conv_cpu.py`` and ``benchmarks/train_mnist1d.py`` on a
2-core machine. On the GPU, ``implicit-gemm`` comes before ``im2col`` (cuBLAS on the
columns) for every float32 layer that is not 1×1, since it moves less memory and needs no
workspace: a reasoned default rather than a measured one. ``minicnn bench`` times the two
against each other on a GPU. It is a CUDA C kernel, so ``auto`` takes it only while the CUDA C
kernels are the GPU kernel set (``minicnn.backend.set_gpu_kernels``, the default).

Force one for a call with ``conv_forward(..., algorithm="winograd")``, for a block with
``with conv_algorithm("im2col"):`` or for the process with ``set_conv_algorithm("im2col")``.
A forced algorithm that cannot run the shape raises ``ValueError`` saying why.

The workspace limit bounds the scratch memory of one call (the im2col columns and, in
backward, their gradient; Winograd's transformed tiles and products): a batch whose
workspace would exceed it is processed in chunks of images (see ``ops/conv.py``). Default
256 MiB. Both settings hold for the whole process, every thread included.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from types import SimpleNamespace

from ..backend import get_gpu_kernels
from .conv_im2col import Im2colGemm
from .conv_implicit_gemm import ImplicitGemm
from .conv_pointwise import Pointwise
from .conv_winograd import TILE_OUT, Winograd

ALGORITHMS = {
    algorithm.name: algorithm
    for algorithm in (
        Im2colGemm("im2col", compiled=False),
        Im2colGemm("im2col-numba", compiled=True),
        Pointwise(),
        Winograd(),
        ImplicitGemm(),
    )
}
CHOICES = ("auto", *ALGORITHMS)
DEFAULT_WORKSPACE_LIMIT = 256 * 2**20

# Winograd pays once its 36 GEMMs are large enough to dominate the tile transforms: enough
# channels on both sides, and enough 4×4 output tiles (N·⌈OH/4⌉·⌈OW/4⌉: measured slower than
# im2col up to 128 tiles, faster from about 200).
WINOGRAD_MIN_CHANNELS = 16
WINOGRAD_MIN_TILES = 160
# The compiled im2col/col2im pay from about this many column entries (C_in·ΠK·N·ΠO).
COMPILED_MIN_COLUMNS = 1 << 17

_settings = SimpleNamespace(algorithm="auto", workspace_limit=DEFAULT_WORKSPACE_LIMIT)


def get_conv_algorithm() -> str:
    """The algorithm used when a call does not name one (``"auto"`` unless set)."""
    return _settings.algorithm


def set_conv_algorithm(name: str) -> None:
    """Use ``name`` (one of ``CHOICES``) for every convolution that does not name one."""
    _settings.algorithm = _check_name(name)


@contextlib.contextmanager
def conv_algorithm(name: str):
    """Within the ``with`` block, convolutions use ``name`` unless a call names another."""
    previous = get_conv_algorithm()
    set_conv_algorithm(name)
    try:
        yield
    finally:
        _settings.algorithm = previous


def get_workspace_limit() -> int:
    """The most scratch memory, in bytes, one convolution call may use (default 256 MiB)."""
    return _settings.workspace_limit


def set_workspace_limit(nbytes: int) -> None:
    """Bound the scratch memory of one convolution call to ``nbytes`` (at least one image's)."""
    if isinstance(nbytes, bool) or not isinstance(nbytes, numbers.Integral) or nbytes < 1:
        raise ValueError(f"workspace limit must be a positive number of bytes, got {nbytes!r}")
    _settings.workspace_limit = int(nbytes)


def select(x, weight, geometry, requested: str | None = None):
    """The algorithm object to run: ``requested``, else the setting, else the heuristic."""
    name = _check_name(requested if requested is not None else get_conv_algorithm())
    if name != "auto":
        algorithm = ALGORITHMS[name]
        reason = algorithm.supports(x, weight, geometry)
        if reason is not None:
            raise ValueError(f"conv algorithm {name!r} cannot run this convolution: it {reason}")
        return algorithm
    for name in _preferences(x, weight, geometry):
        if ALGORITHMS[name].supports(x, weight, geometry) is None:
            return ALGORITHMS[name]
    raise AssertionError("im2col supports every convolution")  # pragma: no cover


def _preferences(x, weight, geometry):
    """Algorithms to try, best first, for this shape."""
    wide = min(x.shape[1], weight.shape[0]) >= WINOGRAD_MIN_CHANNELS
    tiles = x.shape[0] * math.prod(-(-o // TILE_OUT) for o in geometry.out_shape)
    winograd = ("winograd",) if wide and tiles >= WINOGRAD_MIN_TILES else ()
    columns = x.shape[0] * x.shape[1] * math.prod(geometry.kernel_size + geometry.out_shape)
    compiled = ("im2col-numba",) if columns >= COMPILED_MIN_COLUMNS else ()
    implicit = ("implicit-gemm",) if get_gpu_kernels() == "cuda-c" else ()
    return ("pointwise", *winograd, *compiled, *implicit, "im2col")


def _check_name(name) -> str:
    if name not in CHOICES:
        raise ValueError(f"unknown conv algorithm {name!r}; choose one of {', '.join(CHOICES)}")
    return name
