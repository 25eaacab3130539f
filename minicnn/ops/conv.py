"""Convolution for 1, 2 and 3 (or more) spatial dimensions: forward and backward together.

Notation (shapes are read left to right; ``*S`` is the spatial shape, ``d = len(S)``):

    x       (N, C_in, *S)                input
    weight  (C_out, C_in/G, *K)          G = groups
    bias    (C_out,)
    y       (N, C_out, *O)               O from geometry.output_shape

    y[n, o, p] = bias[o] + Σ_c Σ_k weight[o, c, k] · x_padded[n, c_g + c, p·stride + k·dilation]

with c_g the first input channel of o's group: a cross-correlation, as every deep-learning
library computes it. Backward, given dy = ∂L/∂y, gives dx (each dy sent back through the
weights to the inputs it read), dW (each dy times the inputs it read) and db = Σ dy over N
and O; the algorithm files write these out.

This file checks the arguments and runs one of several algorithms that compute the same
thing (``ops/conv_select.py`` picks one per shape; each file explains its own):
``ops/conv_im2col.py`` (im2col + GEMM, the classic), ``ops/conv_pointwise.py`` (1×1 kernels),
``ops/conv_winograd.py`` (3×3 kernels) and, on the GPU, ``ops/conv_implicit_gemm.py`` (the
GEMMs of im2col without the columns). An algorithm has three steps: ``prepare`` (unroll or
transform the input: the workspace), ``forward``, and ``backward`` from the workspace.

Bounded memory: when the workspace of the whole batch (what ``prepare`` makes, plus what
backward needs beside it) would exceed the workspace limit, the batch is processed in chunks
of images, unrolled one after the other into the same buffer where the algorithm can. The
chunks' workspaces are not kept: backward prepares each chunk again, which costs one more
unrolling pass but no more memory. The cache then keeps ``x`` itself (as the 1×1 algorithm
does at stride 1): modifying ``x`` in place before backward changes the gradients, as it
would in PyTorch (which refuses it).

Everything is computed in the dtype of ``x``: a float32 weight applied to a float64 input is
promoted to float64 for the call, never the other way round silently.
"""

from __future__ import annotations

from typing import NamedTuple

from ..backend import get_array_module
from . import conv_select
from .checks import check_input, spatial_layout
from .geometry import Padding, as_int, as_tuple, output_shape, resolve_padding


class ConvGeometry(NamedTuple):
    """The checked hyperparameters of one convolution (one entry per spatial axis)."""

    kernel_size: tuple
    stride: tuple
    padding: Padding  # (lo, hi) per axis
    dilation: tuple
    groups: int
    out_shape: tuple  # O


class ConvCache(NamedTuple):
    """What ``conv_backward`` needs from the forward pass."""

    algorithm: str  # the name of the algorithm that ran (see ops/conv_select.py)
    workspace: object  # what it prepared from x (im2col columns, Winograd tiles), or None
    x: object  # the input, kept instead of the workspace when the batch was chunked
    chunk: int  # images per chunk
    weight: object  # (C_out, C_in/G, *K) in the compute dtype
    x_shape: tuple
    geometry: ConvGeometry
    has_bias: bool


def conv_forward(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, algorithm=None):
    """Convolve ``x`` with ``weight``.

    x:       (N, C_in, *S) floating array
    weight:  (C_out, C_in/groups, *K)
    bias:    (C_out,) or None
    stride, dilation:  int or one int per spatial axis (>= 1)
    padding: int, one int per axis, 'same' (stride 1 only) or 'valid'
    algorithm: None (the current setting, "auto" by default) or a name from
             ``ops.conv_select.CHOICES``
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
    geometry = ConvGeometry(kernel_size, stride, pads, dilation, groups, out_spatial)

    weight = weight.astype(x.dtype, copy=False)
    method = conv_select.select(x, weight, geometry, algorithm)
    n, chunk = x.shape[0], _images_per_chunk(method, x, weight, geometry)
    if chunk >= n:
        workspace = method.prepare(x, geometry)
        y = method.forward(workspace, weight, geometry)
    else:
        workspace = None
        y = get_array_module(x).empty((n, weight.shape[0], *out_spatial), dtype=x.dtype)
        for start in range(0, n, chunk):
            part = slice(start, start + chunk)
            buffer, workspace = _reusable(method, workspace, len(x[part]) == chunk), None
            workspace = method.prepare(x[part], geometry, reuse=buffer)
            y[part] = method.forward(workspace, weight, geometry)
        workspace = None  # not kept: backward prepares each chunk again
    if bias is not None:
        y += bias.astype(x.dtype, copy=False).reshape(-1, *(1,) * ndim)
    cache = ConvCache(
        method.name,
        workspace,
        x if workspace is None else None,
        chunk,
        weight,
        tuple(x.shape),
        geometry,
        bias is not None,
    )
    return y, cache


def conv_backward(grad_out, cache: ConvCache, input_grad=True, weight_grad=True):
    """Gradients of the convolution.

    grad_out: (N, C_out, *O), the gradient of the loss with respect to y (not modified)
    input_grad, weight_grad: False skips that gradient (and, for weight_grad, the bias's), as
              PyTorch's output mask does: the first layer of a network needs no dx
    returns:  (dx, dweight, dbias) shaped like x, weight and bias; None for what was skipped
              and for dbias without bias
    """
    xp = get_array_module(grad_out)
    weight, geometry, n = cache.weight, cache.geometry, cache.x_shape[0]
    grad_out = check_grad_out(grad_out, (n, weight.shape[0], *geometry.out_shape), weight.dtype)
    method = conv_select.ALGORITHMS[cache.algorithm]
    wanted = {"input_grad": input_grad, "weight_grad": weight_grad}
    if cache.workspace is not None:
        dx, dweight = method.backward(
            grad_out, cache.workspace, weight, geometry, cache.x_shape, **wanted
        )
    else:
        dx = xp.empty(cache.x_shape, dtype=weight.dtype) if input_grad else None
        dweight = xp.zeros_like(weight) if weight_grad else None
        workspace = None
        for start in range(0, n, cache.chunk):
            part = slice(start, start + cache.chunk)
            x_part = cache.x[part]
            buffer, workspace = _reusable(method, workspace, len(x_part) == cache.chunk), None
            workspace = method.prepare(x_part, geometry, reuse=buffer)
            dx_part, dweight_part = method.backward(
                grad_out[part], workspace, weight, geometry, x_part.shape, **wanted
            )
            if input_grad:
                dx[part] = dx_part
            if weight_grad:
                dweight += dweight_part
    dbias = None
    if cache.has_bias and weight_grad:
        dbias = grad_out.sum(axis=(0, *range(2, grad_out.ndim)))
    return dx, dweight, dbias


def _reusable(method, workspace, full_chunk: bool):
    """The previous chunk's workspace, to be filled again, if ``method`` can do that and this
    chunk is as large as the previous ones; else None, and the caller drops the old workspace
    before the new one is allocated, so that two are never held at once."""
    return workspace if method.reuses_workspace and full_chunk else None


def _images_per_chunk(method, x, weight, geometry) -> int:
    """How many images fit in the workspace limit (at least one; all without a workspace)."""
    per_image = method.workspace_bytes(x.shape, weight.shape, geometry, x.dtype.itemsize)
    if per_image == 0:
        return x.shape[0]
    return max(1, conv_select.get_workspace_limit() // per_image)


def check_groups(groups, channels, name="out_channels"):
    """Check that ``groups`` is an int >= 1 dividing ``channels`` (called ``name`` in errors)."""
    groups = as_int(groups, "groups", 1)
    if channels % groups:
        raise ValueError(f"{name} ({channels}) must be divisible by groups ({groups})")
    return groups


def check_kernel(weight, layout: str) -> tuple[int, ...]:
    """The kernel size ``weight.shape[2:]``; ``ValueError`` naming ``layout`` (e.g.
    ``"(C_out, C_in/groups, *kernel)"``) when the weight has no spatial axis or an empty one
    (no channels, or a kernel of size 0), as PyTorch refuses it."""
    if weight.ndim < 3:
        raise ValueError(f"weight must be {layout}, got shape {tuple(weight.shape)}")
    if 0 in weight.shape:
        raise ValueError(f"weight {layout} has an empty axis: shape {tuple(weight.shape)}")
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
