"""The fully-connected (affine) layer: forward and backward together.

Notation (``*`` is any number of extra axes between the batch and the features, as PyTorch
allows; they are treated like more rows of the batch):

    x       (N, *, in_features)
    weight  (out_features, in_features)          PyTorch's layout
    bias    (out_features,)
    y       (N, *, out_features)

Forward, one GEMM over the M = N·Π* rows:

    y = x @ weightᵀ + bias                       (M × in) @ (in × out) → (M × out)

Backward, given dy = ∂L/∂y viewed as (M × out):

    dx      = dy @ weight                        (M × out) @ (out × in) → (M × in)
    dweight = dyᵀ @ x                            (out × M) @ (M × in)   → (out × in)
    dbias   = Σ dy over the M rows

Everything is computed in the dtype of ``x`` (the weight and bias are cast to it).
"""

from __future__ import annotations

from typing import NamedTuple

from .checks import check_floating_array


class LinearCache(NamedTuple):
    """What ``linear_backward`` needs from the forward pass."""

    x: object  # (N, *, in_features), the caller's array (not modified)
    weight: object  # (out_features, in_features) in the compute dtype
    has_bias: bool


def linear_forward(x, weight, bias=None):
    """y = x @ weightᵀ + bias.

    x:       (N, *, in_features) floating array
    weight:  (out_features, in_features)
    bias:    (out_features,) or None
    returns: (y, cache) with y of shape (N, *, out_features) in x's dtype
    """
    check_floating_array(x, "(N, *, in_features)")
    if weight.ndim != 2:
        raise ValueError(
            f"weight must be (out_features, in_features), got shape {tuple(weight.shape)}"
        )
    out_features, in_features = weight.shape
    if x.ndim < 2:
        raise ValueError(
            f"expected an input (N, *, {in_features}) with at least 2 axes (the batch axis is "
            f"required), got shape {tuple(x.shape)}"
        )
    if x.shape[-1] != in_features:
        raise ValueError(
            f"expected {in_features} input features in the last axis, got {x.shape[-1]} "
            f"(input shape {tuple(x.shape)})"
        )
    if bias is not None and tuple(bias.shape) != (out_features,):
        raise ValueError(f"bias must have shape ({out_features},), got {tuple(bias.shape)}")
    weight = weight.astype(x.dtype, copy=False)
    y = x @ weight.T
    if bias is not None:
        y += bias.astype(x.dtype, copy=False)
    return y, LinearCache(x, weight, bias is not None)


def linear_backward(grad_out, cache: LinearCache):
    """Gradients of the affine map.

    grad_out: (N, *, out_features), the gradient of the loss with respect to y (not modified)
    returns:  (dx, dweight, dbias) shaped like x, weight and bias (dbias is None without bias)
    """
    x, weight = cache.x, cache.weight
    expected = (*x.shape[:-1], weight.shape[0])
    check_floating_array(grad_out, str(expected))
    if tuple(grad_out.shape) != expected:
        raise ValueError(f"grad_out must have shape {expected}, got {tuple(grad_out.shape)}")
    grad_out = grad_out.astype(weight.dtype, copy=False)
    dy = grad_out.reshape(-1, weight.shape[0])  # (M, out)
    dx = grad_out @ weight
    dweight = dy.T @ x.reshape(-1, weight.shape[1])
    dbias = dy.sum(axis=0) if cache.has_bias else None
    return dx, dweight, dbias
