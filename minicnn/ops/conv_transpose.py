"""Transposed convolution (the "deconvolution" of segmentation networks): forward and backward.

A convolution ``conv(·, W)`` with stride s maps a large map to a small one. The transposed
convolution is its adjoint ``conv(·, W)ᵀ``: it maps the small map back to the large one, each
input value spreading a copy of the kernel, scaled by that value, onto the output, ``s``
positions apart, with overlapping copies added. It is not an inverse — only the shapes go back.

Notation (``*S`` the input's spatial shape, ``d = len(S)``, G = groups):

    x       (N, C_in, *S)                input
    weight  (C_in, C_out/G, *K)          PyTorch's layout: note C_in first
    bias    (C_out,)
    y       (N, C_out, *O)               O = (S − 1)·stride − 2·padding + dilation·(K − 1)
                                             + output_padding + 1   (per axis)

Read as a convolution weight ``(C_out_conv, C_in_conv/G, *K)``, ``weight`` is the kernel of a
convolution from C_out to C_in channels that maps y's shape ``O`` back to ``S`` (with the same
stride, padding, dilation and groups). The transposed convolution is exactly that convolution's
backward-data pass, and reuses its pieces (``ops/im2col.py`` and the GEMM layout of
``ops/conv.py``) the other way round:

Forward (the convolution's ``dcols = Wᵀ·dy``, ``dx = col2im(dcols)``):

    1. GEMM:    cols_g = W_gᵀ @ x_g            W_g: (G, C_in/G, C_out/G · ΠK)
                                              x_g: (G, C_in/G, N·ΠS)
                                              cols: (G, C_out/G · ΠK, N·ΠS) = (C_out, *K, N, *S)
    2. col2im:  y = col2im(cols) onto (N, C_out, *O), padding cropped off, plus bias

Backward, given dy = ∂L/∂y (the convolution's forward pass, and its weight gradient):

    cols    = im2col(dy)                       (C_out, *K, N, *S)
    dx_g    = W_g @ cols_g                     a convolution of dy with the same weight
    dW_g    = x_g @ cols_gᵀ                    (G, C_in/G, C_out/G · ΠK)
    db      = Σ dy over N and O

``output_padding`` adds rows on the high side of each axis: several output sizes ``O`` give
the same ``S`` under a strided convolution, and it picks which. It must be smaller than the
stride or the dilation of its axis (PyTorch's rule); positions that no kernel copy reaches
get only the bias.
"""

from __future__ import annotations

from typing import NamedTuple

from ..backend import get_array_module
from .checks import check_input, spatial_layout
from .conv import check_bias, check_grad_out, check_groups, check_kernel
from .conv_im2col import cols_per_group, weight_per_group
from .geometry import Padding, as_tuple
from .im2col import col2im, im2col


class ConvTransposeCache(NamedTuple):
    """What ``conv_transpose_backward`` needs from the forward pass."""

    x: object  # (N, C_in, *S) the input, in the compute dtype
    weight: object  # (C_in, C_out/G, *K) in the compute dtype
    out_spatial: tuple  # O
    stride: tuple
    padding: Padding
    dilation: tuple
    groups: int
    has_bias: bool


def conv_transpose_forward(
    x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """Transposed convolution of ``x`` with ``weight`` (PyTorch's ``conv_transpose{1,2,3}d``,
    with its argument order).

    x:        (N, C_in, *S) floating array
    weight:   (C_in, C_out/groups, *K)
    bias:     (C_out,) or None
    stride, dilation:  int or one int per spatial axis (>= 1)
    padding:  int or one int per axis (>= 0): removed from both sides of the output
    output_padding:  int or one int per axis, added on the high side of the output; each
              smaller than the stride or the dilation of its axis
    returns:  (y, cache) with y of shape (N, C_out, *O) in x's dtype
    """
    kernel_size = check_kernel(weight, "(C_in, C_out/groups, *kernel)")
    ndim = len(kernel_size)
    stride = as_tuple(stride, ndim, "stride", 1)
    padding = as_tuple(padding, ndim, "padding", 0)
    dilation = as_tuple(dilation, ndim, "dilation", 1)
    output_padding = check_output_padding(output_padding, stride, dilation)
    groups = check_groups(groups, weight.shape[0], "in_channels")
    check_input(x, ndim, weight.shape[0], spatial_layout(ndim))
    c_out = weight.shape[1] * groups
    check_bias(bias, c_out)
    out_spatial = conv_transpose_output_shape(
        x.shape[2:], kernel_size, stride, padding, output_padding, dilation
    )

    n, spatial = x.shape[0], tuple(x.shape[2:])
    pads = tuple((p, p) for p in padding)
    weight = weight.astype(x.dtype, copy=False)
    x_g = _channels_per_group(x, groups)
    cols = get_array_module(x).matmul(weight_per_group(weight, groups).swapaxes(1, 2), x_g)
    cols = cols.reshape(c_out, *kernel_size, n, *spatial)
    y = col2im(cols, (n, c_out, *out_spatial), kernel_size, stride, pads, dilation)
    if bias is not None:
        y += bias.astype(x.dtype, copy=False).reshape(c_out, *([1] * ndim))
    cache = ConvTransposeCache(
        x, weight, out_spatial, stride, pads, dilation, groups, bias is not None
    )
    return y, cache


def conv_transpose_backward(grad_out, cache: ConvTransposeCache):
    """Gradients of the transposed convolution.

    grad_out: (N, C_out, *O), the gradient of the loss with respect to y (not modified)
    returns:  (dx, dweight, dbias) shaped like x, weight and bias (dbias is None without bias)
    """
    xp = get_array_module(grad_out)
    x, weight, groups = cache.x, cache.weight, cache.groups
    (n, c_in, *spatial), kernel_size = x.shape, weight.shape[2:]
    expected = (n, weight.shape[1] * groups, *cache.out_spatial)
    grad_out = check_grad_out(grad_out, expected, x.dtype)

    cols_g = cols_per_group(
        im2col(grad_out, kernel_size, cache.stride, cache.padding, cache.dilation, spatial),
        groups,
    )
    dx = xp.matmul(weight_per_group(weight, groups), cols_g)  # (G, C_in/G, N·ΠS)
    dx = xp.ascontiguousarray(dx.reshape(c_in, n, *spatial).swapaxes(0, 1))
    x_g = _channels_per_group(x, groups)
    dweight = xp.matmul(x_g, cols_g.swapaxes(1, 2)).reshape(weight.shape)
    dbias = grad_out.sum(axis=(0, *range(2, grad_out.ndim))) if cache.has_bias else None
    return dx, dweight, dbias


def conv_transpose_output_shape(
    spatial, kernel_size, stride, padding, output_padding, dilation
) -> tuple[int, ...]:
    """O = (S − 1)·stride − 2·padding + dilation·(K − 1) + output_padding + 1 per axis;
    raises ``ValueError`` when some axis would be smaller than 1.

    >>> conv_transpose_output_shape((4, 4), (4, 4), (2, 2), (1, 1), (0, 0), (1, 1))
    (8, 8)
    """
    shape = tuple(
        (s - 1) * st - 2 * p + d * (k - 1) + op + 1
        for s, k, st, p, op, d in zip(
            spatial, kernel_size, stride, padding, output_padding, dilation
        )
    )
    if min(shape) < 1:
        raise ValueError(
            f"output too small: input {tuple(spatial)} with kernel_size={tuple(kernel_size)}, "
            f"stride={tuple(stride)}, padding={tuple(padding)}, "
            f"output_padding={tuple(output_padding)}, dilation={tuple(dilation)} gives "
            f"output {shape}; every size must be >= 1"
        )
    return shape


def check_output_padding(output_padding, stride, dilation) -> tuple[int, ...]:
    """Normalise ``output_padding`` to a tuple; each entry must be smaller than the stride or
    the dilation of its axis (PyTorch's rule), else ``ValueError``."""
    output_padding = as_tuple(output_padding, len(stride), "output_padding", 0)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(
            f"output_padding must be smaller than either stride or dilation on every axis, "
            f"got output_padding={output_padding}, stride={tuple(stride)}, "
            f"dilation={tuple(dilation)}"
        )
    return output_padding


def _channels_per_group(a, groups):
    """(N, C, *S) → (G, C/G, N·ΠS): a map as the GEMM operand, one matrix per group."""
    return a.swapaxes(0, 1).reshape(groups, a.shape[1] // groups, -1)
