"""The implicit-GEMM convolution: the im2col GEMMs without the im2col buffer (GPU, float32).

im2col + GEMM (``ops/conv_im2col.py``) writes the column matrix, C_in·ΠK times the size of
the output per image, to memory and reads it back for the GEMM. The kernels of
``kernels/conv_implicit_gemm.cu`` compute the same three GEMMs

    forward           y  = W  @ cols
    backward-data     dx = col2im(Wᵀ @ dy)   computed as Wᵀ @ dcols, dcols gathered from dy
    backward-weights  dW = dy @ colsᵀ

but gather each tile of ``cols`` from x (and of ``dcols`` from dy) into shared memory when
the tile is needed: no workspace, and no pass over memory to make one. The launch code is
``minicnn/cuda/implicit_gemm.py``; the kernel file explains the tiling.

It runs on CuPy float32 arrays with 1 to 3 spatial dims; ``ops/conv_select.py`` prefers it to
im2col + cuBLAS there.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, is_gpu_array


class ImplicitGemm:
    """Convolution by the implicit-GEMM CUDA C kernels."""

    name = "implicit-gemm"
    devices = ("gpu",)
    reuses_workspace = False

    def supports(self, x, weight, geometry) -> str | None:
        """None for a float32 CuPy input with 1 to 3 spatial dims, else why not."""
        if not is_gpu_array(x):
            return "runs on CuPy (GPU) arrays only"
        if x.dtype != np.float32:
            return f"computes in float32 only, got {x.dtype}"
        if not 1 <= len(geometry.kernel_size) <= 3:
            return "handles 1 to 3 spatial dims"
        return None

    def workspace_bytes(self, x_shape, weight_shape, geometry, itemsize) -> int:
        """None to speak of: no columns (backward-weights' partial sums are the size of a few
        weights, independent of the batch)."""
        return 0

    def prepare(self, x, geometry, reuse=None):
        """x itself, contiguous: backward gathers from it again."""
        return get_array_module(x).ascontiguousarray(x)

    def forward(self, x, weight, geometry):
        """y (N, C_out, *O) without bias."""
        from ..cuda import implicit_gemm

        return implicit_gemm.forward(x, weight, geometry)

    def backward(self, grad_out, x, weight, geometry, x_shape, input_grad=True, weight_grad=True):
        """dx (N, C_in, *S) and dW (C_out, C_in/G, *K) from dy (N, C_out, *O); either is None
        when not asked for."""
        from ..cuda import implicit_gemm

        dx = dweight = None
        if input_grad:
            dx = implicit_gemm.backward_data(grad_out, weight, geometry, x_shape)
        if weight_grad:
            dweight = implicit_gemm.backward_weights(grad_out, x, geometry, weight.shape)
        return dx, dweight
