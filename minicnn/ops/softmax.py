"""Softmax and log-softmax along one axis: forward and backward together.

For a vector x (one slice of the input along ``dim``):

    softmax:      y_i = e^(x_i) / Σ_j e^(x_j)
    log_softmax:  z_i = x_i − log Σ_j e^(x_j)                      (= log y_i)

Stability. e^(x_i) overflows for x_i above about 709 (float64) or 88 (float32). Both
functions are unchanged when the same constant is subtracted from every x_j, so the maximum
m = max_j x_j is subtracted first: every exponent is then <= 0, the largest is exactly
e^0 = 1, and the sum lies in [1, n] — no overflow, and no log of 0. Logits of magnitude 1e4
are handled exactly as logits of magnitude 1.

Backward, with g = ∂L/∂y (or ∂L/∂z) and the sums over the same axis:

    softmax:      ∂y_i/∂x_k = y_i·(δ_ik − y_k)    →  dx = y · (g − Σ_i g_i·y_i)
    log_softmax:  ∂z_i/∂x_k = δ_ik − y_k          →  dx = g − y · Σ_i g_i

Neither needs the full n×n Jacobian; both need only y = softmax(x), which the cache keeps.
"""

from __future__ import annotations

import numbers

from ..backend import get_array_module
from .checks import check_floating_array


def softmax_forward(x, dim=1):
    """x: any shape with at least 1 axis → (y = softmax along ``dim``, same shape, cache)."""
    dim = _resolve_dim(x, dim)
    xp = get_array_module(x)
    if x.shape[dim] == 0:  # nothing to normalise: an empty result, as in PyTorch
        return x.copy(), (x.copy(), dim)
    exps = xp.exp(x - x.max(axis=dim, keepdims=True))
    y = exps / exps.sum(axis=dim, keepdims=True)
    return y, (y, dim)


def softmax_backward(grad_out, cache):
    """grad_out: shaped like x → dx = y · (grad_out − Σ grad_out·y along dim)."""
    y, dim = cache
    grad_out = _check_grad_out(grad_out, y)
    return y * (grad_out - (grad_out * y).sum(axis=dim, keepdims=True))


def log_softmax_forward(x, dim=1):
    """x: any shape with at least 1 axis → (z = log(softmax(x)) along ``dim``, cache)."""
    dim = _resolve_dim(x, dim)
    xp = get_array_module(x)
    if x.shape[dim] == 0:  # nothing to normalise: an empty result, as in PyTorch
        return x.copy(), (x.copy(), dim)
    shifted = x - x.max(axis=dim, keepdims=True)
    z = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
    return z, (xp.exp(z), dim)


def log_softmax_backward(grad_out, cache):
    """grad_out: shaped like x → dx = grad_out − softmax(x) · Σ grad_out along dim."""
    y, dim = cache
    grad_out = _check_grad_out(grad_out, y)
    return grad_out - y * grad_out.sum(axis=dim, keepdims=True)


def check_dim(dim):
    """dim must be an int (not a bool); it may be negative, counting from the last axis."""
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {dim!r}")
    return int(dim)


def _resolve_dim(x, dim):
    """Check x and dim; return dim as a non-negative axis of x."""
    dim = check_dim(dim)
    check_floating_array(x, "(*)")
    if x.ndim == 0:
        raise ValueError("expected an input with at least 1 axis, got a 0-d array")
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(
            f"dim must be in [{-x.ndim}, {x.ndim - 1}] for a {x.ndim}-d input "
            f"of shape {tuple(x.shape)}, got {dim}"
        )
    return dim % x.ndim


def _check_grad_out(grad_out, y):
    """grad_out must be a floating array shaped like the output; returned in y's dtype."""
    check_floating_array(grad_out, str(tuple(y.shape)))
    if tuple(grad_out.shape) != tuple(y.shape):
        raise ValueError(f"grad_out must have shape {tuple(y.shape)}, got {tuple(grad_out.shape)}")
    return grad_out.astype(y.dtype, copy=False)
