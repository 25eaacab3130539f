"""Convolution for 1, 2 and 3 (or more) spatial dimensions: forward and backward together.

Notation (shapes are read left to right; ``*S`` is the spatial shape, ``d = len(S)``):

    x       (N, C_in, *S)                input
    weight  (C_out, C_in/G, *K)          G = groups
    bias    (C_out,)
    y       (N, C_out, *O)               O from geometry.output_shape

Forward, as three steps:

    1. im2col:  cols = im2col(x)                          (C_in, *K, N, *O)
                viewed per group as                       (G, C_in/G · ΠK, N·ΠO)
    2. GEMM:    y_g = W_g @ cols_g,  W_g = weight viewed  (G, C_out/G, C_in/G · ΠK)
    3. reshape: (G, C_out/G, N·ΠO) → (C_out, N, *O) → (N, C_out, *O), plus bias

Backward, given dy = ∂L/∂y:

    dW_g    = dy_g @ cols_gᵀ            (the columns are the GEMM's other operand)
    dcols_g = W_gᵀ @ dy_g
    dx      = col2im(dcols)            (each column entry goes back where it was read)
    db      = Σ dy over N and O

Everything is computed in the dtype of ``x``: a float32 weight applied to a float64 input is
promoted to float64 for the call, never the other way round silently.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..backend import get_array_module
from .checks import check_input, spatial_layout
from .geometry import Padding, as_int, as_tuple, output_shape, resolve_padding
from .im2col import col2im, im2col


class ConvCache(NamedTuple):
    """What ``conv_backward`` needs from the forward pass."""

    cols: object  # (C_in, *K, N, *O) im2col of the input
    weight: object  # (C_out, C_in/G, *K) in the compute dtype
    x_shape: tuple
    stride: tuple
    padding: Padding
    dilation: tuple
    groups: int
    has_bias: bool


def conv_forward(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolve ``x`` with ``weight`` (cross-correlation, as every deep-learning library does).

    x:       (N, C_in, *S) floating array
    weight:  (C_out, C_in/groups, *K)
    bias:    (C_out,) or None
    stride, dilation:  int or one int per spatial axis (>= 1)
    padding: int, one int per axis, 'same' (stride 1 only) or 'valid'
    returns: (y, cache) with y of shape (N, C_out, *O) in x's dtype
    """
    kernel_size = check_kernel(weight, "(C_out, C_in/groups, *kernel)")
    ndim = len(kernel_size)
    stride = as_tuple(stride, ndim, "stride", 1)
    dilation = as_tuple(dilation, ndim, "dilation", 1)
    pads = resolve_padding(padding, kernel_size, stride, dilation)
    groups = check_groups(groups, weight.shape[0])
    check_input(x, ndim, weight.shape[1] * groups, spatial_layout(ndim))
    check_bias(bias, weight.shape[0])
    out_spatial = output_shape(x.shape[2:], kernel_size, stride, pads, dilation)

    xp = get_array_module(x)
    n, c_out = x.shape[0], weight.shape[0]
    weight = weight.astype(x.dtype, copy=False)
    cols = im2col(x, kernel_size, stride, pads, dilation, out_spatial)
    y = xp.matmul(weight_per_group(weight, groups), cols_per_group(cols, groups))
    y = y.reshape(c_out, n * math.prod(out_spatial))
    if bias is not None:
        y += bias.astype(x.dtype, copy=False)[:, None]
    y = xp.ascontiguousarray(y.reshape(c_out, n, *out_spatial).swapaxes(0, 1))
    cache = ConvCache(
        cols, weight, tuple(x.shape), stride, pads, dilation, groups, bias is not None
    )
    return y, cache


def conv_backward(grad_out, cache: ConvCache):
    """Gradients of the convolution.

    grad_out: (N, C_out, *O), the gradient of the loss with respect to y (not modified)
    returns:  (dx, dweight, dbias) shaped like x, weight and bias (dbias is None without bias)
    """
    xp = get_array_module(grad_out)
    cols, weight, groups = cache.cols, cache.weight, cache.groups
    c_out, n = weight.shape[0], cache.x_shape[0]
    out_spatial = tuple(cols.shape[weight.ndim :])
    grad_out = check_grad_out(grad_out, (n, c_out, *out_spatial), weight.dtype)

    # (N, C_out, *O) → (G, C_out/G, N·ΠO): the same layout as the forward GEMM's result.
    dy = grad_out.swapaxes(0, 1).reshape(groups, c_out // groups, -1)
    cols_g = cols_per_group(cols, groups)
    w_g = weight_per_group(weight, groups)
    dweight = xp.matmul(dy, cols_g.swapaxes(1, 2)).reshape(weight.shape)
    dcols = xp.matmul(w_g.swapaxes(1, 2), dy).reshape(cols.shape)
    dx = col2im(dcols, cache.x_shape, weight.shape[2:], cache.stride, cache.padding, cache.dilation)
    dbias = grad_out.sum(axis=(0, *range(2, grad_out.ndim))) if cache.has_bias else None
    return dx, dweight, dbias


def cols_per_group(cols, groups):
    """(C_in, *K, N, *O) → (G, C_in/G · ΠK, N·ΠO), a view: each group's rows of the columns."""
    n_rows = math.prod(cols.shape[: cols.ndim // 2])  # C_in·ΠK: the first 1 + d axes of 2 + 2d
    return cols.reshape(groups, n_rows // groups, -1)


def weight_per_group(weight, groups):
    """(C_out, C_in/G, *K) → (G, C_out/G, C_in/G · ΠK), a view: each group's weight matrix."""
    return weight.reshape(groups, weight.shape[0] // groups, -1)


def check_groups(groups, channels, name="out_channels"):
    """Check that ``groups`` is an int >= 1 dividing ``channels`` (called ``name`` in errors)."""
    groups = as_int(groups, "groups", 1)
    if channels % groups:
        raise ValueError(f"{name} ({channels}) must be divisible by groups ({groups})")
    return groups


def check_kernel(weight, layout: str) -> tuple[int, ...]:
    """The kernel size ``weight.shape[2:]``; ``ValueError`` naming ``layout`` (e.g.
    ``"(C_out, C_in/groups, *kernel)"``) when the weight has no spatial axis."""
    if weight.ndim < 3:
        raise ValueError(f"weight must be {layout}, got shape {tuple(weight.shape)}")
    return tuple(weight.shape[2:])


def check_bias(bias, channels: int) -> None:
    """Check that ``bias`` is None or has shape ``(channels,)``."""
    if bias is not None and tuple(bias.shape) != (channels,):
        raise ValueError(f"bias must have shape ({channels},), got {tuple(bias.shape)}")


def check_grad_out(grad_out, expected: tuple, dtype):
    """Check that ``grad_out`` has shape ``expected``; return it in ``dtype`` (the compute
    dtype of the forward pass)."""
    if tuple(grad_out.shape) != expected:
        raise ValueError(f"grad_out must have shape {expected}, got {tuple(grad_out.shape)}")
    return grad_out.astype(dtype, copy=False)
