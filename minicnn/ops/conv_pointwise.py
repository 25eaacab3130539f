"""The 1×1 ("pointwise") convolution: no windows to unroll, the convolution *is* a GEMM.

With a kernel of size 1 on every axis and no padding, each output position sees exactly one
input position, ``x[n, :, o·stride]``. So, per image and per group,

    y[n] (C_out/G, ΠO)  =  W (C_out/G, C_in/G)  @  x_s[n] (C_in/G, ΠO)

where ``x_s`` is the input subsampled by the stride (the input itself at stride 1). NumPy's
matmul broadcasts W over the batch and writes y in its final (N, C_out, *O) layout: there is
no im2col buffer and no transpose. Backward:

    dW  = Σ_n dy[n] @ x_s[n]ᵀ          (one GEMM per group over the N·ΠO positions)
    dx_s[n] = Wᵀ @ dy[n],  dx = dx_s scattered back to the strided positions (zeros elsewhere)
"""

from __future__ import annotations

import math

from ..backend import get_array_module


class Pointwise:
    """1×1 convolution as a batched GEMM."""

    name = "pointwise"
    devices = ("cpu", "gpu")
    reuses_workspace = False

    def supports(self, x, weight, geometry) -> str | None:
        """None when the kernel is 1 on every axis and there is no padding, else why not."""
        if any(k != 1 for k in geometry.kernel_size):
            return f"needs a kernel of 1 on every axis, got {geometry.kernel_size}"
        if any(lo or hi for lo, hi in geometry.padding):
            return "needs padding 0"
        return None

    def workspace_bytes(self, x_shape, weight_shape, geometry, itemsize) -> int:
        """The subsampled copy of one image, C_in·ΠO elements (none at stride 1: x itself)."""
        if all(s == 1 for s in geometry.stride):
            return 0
        return x_shape[1] * math.prod(geometry.out_shape) * itemsize

    def prepare(self, x, geometry, reuse=None):
        """x subsampled by the stride: (N, C_in, *O), contiguous (``reuse`` is not needed)."""
        xp = get_array_module(x)
        return xp.ascontiguousarray(x[(..., *_strided(geometry))])

    def forward(self, x_s, weight, geometry):
        """y (N, C_out, *O) without bias."""
        xp = get_array_module(x_s)
        n, groups = x_s.shape[0], geometry.groups
        y = xp.matmul(_weight(weight, groups), _per_group(x_s, groups))  # (N, G, C_out/G, ΠO)
        return y.reshape(n, weight.shape[0], *geometry.out_shape)

    def backward(self, grad_out, x_s, weight, geometry, x_shape, input_grad=True, weight_grad=True):
        """dx (N, C_in, *S) and dW (C_out, C_in/G, 1, ...) from dy (N, C_out, *O); either is
        None when not asked for."""
        xp = get_array_module(grad_out)
        groups = geometry.groups
        dy = _per_group(grad_out, groups)  # (N, G, C_out/G, ΠO)
        dweight = dx = None
        if weight_grad:
            # Σ over images and positions, one GEMM per group:
            # (G, C_out/G, N·ΠO) @ (G, N·ΠO, C_in/G)
            dy_rows = _images_last(dy)
            x_rows = _images_last(_per_group(x_s, groups))
            dweight = xp.matmul(dy_rows, x_rows.swapaxes(1, 2)).reshape(weight.shape)
        if input_grad:
            dx_s = xp.matmul(_weight(weight, groups).swapaxes(-1, -2), dy)  # (N, G, C_in/G, ΠO)
            dx_s = dx_s.reshape(x_s.shape)
            if all(s == 1 for s in geometry.stride):
                dx = dx_s
            else:
                dx = xp.zeros(x_shape, dtype=dx_s.dtype)
                dx[(..., *_strided(geometry))] = dx_s
        return dx, dweight


def _strided(geometry):
    """Slices picking the input positions o·stride that the 1×1 kernel reads."""
    return tuple(slice(0, s * (o - 1) + 1, s) for s, o in zip(geometry.stride, geometry.out_shape))


def _weight(weight, groups):
    """(C_out, C_in/G, 1, ...) → (G, C_out/G, C_in/G)."""
    return weight.reshape(groups, weight.shape[0] // groups, weight.shape[1])


def _images_last(a):
    """(N, G, C/G, P) → (G, C/G, N·P), a copy: each group's channels as rows."""
    n, groups, channels, positions = a.shape
    return a.transpose(1, 2, 0, 3).reshape(groups, channels, n * positions)


def _per_group(a, groups):
    """(N, C, *O) → (N, G, C/G, ΠO), a view when a is contiguous."""
    return a.reshape(a.shape[0], groups, a.shape[1] // groups, math.prod(a.shape[2:]))
