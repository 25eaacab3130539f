"""The implementations ``minicnn bench`` compares, in the order of the table.

Each one has a ``name``, a ``device`` ("cpu" or "gpu"), a ``description``, ``reference``
(True for the row the others are divided by on the same device), ``problem(context)`` (None,
or why it cannot run on this machine at all) and ``prepare(case, context)`` (a timer for one
case, or ``Unavailable`` saying why it cannot run that case).

A new kernel joins the comparison as one more entry here.
"""

from __future__ import annotations

from .minicnn_impl import MinicnnImplementation
from .torch_impl import TorchImplementation

IMPLEMENTATIONS = (
    MinicnnImplementation(
        "numpy",
        "cpu",
        "im2col",
        None,
        "minicnn, im2col by NumPy slicing + NumPy's GEMM",
        owns_pooling=False,
    ),
    MinicnnImplementation(
        "numba",
        "cpu",
        "im2col-numba",
        None,
        "minicnn, im2col/col2im compiled by Numba + NumPy's GEMM",
    ),
    MinicnnImplementation(
        "auto",
        "cpu",
        "auto",
        None,
        "minicnn's choice per shape (Winograd for 3×3, 1×1 as a GEMM, im2col)",
        owns_pooling=False,
    ),
    TorchImplementation("torch-cpu", "cpu", "cpu", "PyTorch on the CPU (oneDNN)"),
    MinicnnImplementation(
        "cuda-c", "gpu", "im2col", "cuda-c", "minicnn, CUDA C kernels (kernels/*.cu) + cuBLAS"
    ),
    MinicnnImplementation(
        "numba-cuda", "gpu", "im2col", "numba", "minicnn, Numba CUDA kernels + cuBLAS"
    ),
    MinicnnImplementation(
        "implicit-gemm",
        "gpu",
        "implicit-gemm",
        "cuda-c",
        "minicnn, implicit-GEMM CUDA C kernels (kernels/conv_implicit_gemm.cu), no columns",
        owns_pooling=False,
    ),
    TorchImplementation("cudnn", "gpu", "cuda", "cuDNN through PyTorch, TF32 off (strict FP32)"),
)
NAMES = tuple(implementation.name for implementation in IMPLEMENTATIONS)
REFERENCE = {
    impl.device: impl.name for impl in IMPLEMENTATIONS if impl.reference
}  # device → the name of its reference implementation


def select(names) -> list:
    """The implementations named in ``names``, in the table's order."""
    return [implementation for implementation in IMPLEMENTATIONS if implementation.name in names]
