"""Flatten a range of axes into one: forward and backward together.

    x (d0, …, d_start, …, d_end, …)  →  y (d0, …, d_start·…·d_end, …)

The axes ``start_dim`` to ``end_dim`` (inclusive; negative values count from the end) are
merged in C order, as ``reshape`` does, so y holds the same numbers in the same order. The
backward pass is the reverse reshape: dx = dy reshaped to x's shape. No arithmetic happens.

The typical use sits between the convolutional part of a network and its first Linear layer:
``(N, C, H, W) → (N, C·H·W)`` with the defaults ``start_dim=1, end_dim=-1``.
"""

from __future__ import annotations

import math
import numbers

from .checks import check_floating_array


def flatten_forward(x, start_dim=1, end_dim=-1):
    """x: (d0, …, dn) → (y with axes start_dim..end_dim merged, cache).

    y is a reshape of x (a view where the layout allows, as in PyTorch), not a copy.
    """
    check_floating_array(x, "(N, *)")
    start = _axis(x, start_dim, "start_dim")
    end = _axis(x, end_dim, "end_dim")
    if start > end:
        raise ValueError(
            f"start_dim ({start_dim}) must not come after end_dim ({end_dim}) for a {x.ndim}-d "
            f"input of shape {tuple(x.shape)}"
        )
    x_shape = tuple(x.shape)
    y_shape = (*x_shape[:start], math.prod(x_shape[start : end + 1]), *x_shape[end + 1 :])
    return x.reshape(y_shape), (x_shape, y_shape, x.dtype)


def flatten_backward(grad_out, cache):
    """grad_out: shaped like y → dx: grad_out reshaped to x's shape, in x's dtype."""
    x_shape, y_shape, dtype = cache
    check_floating_array(grad_out, str(y_shape))
    if tuple(grad_out.shape) != y_shape:
        raise ValueError(f"grad_out must have shape {y_shape}, got {tuple(grad_out.shape)}")
    return grad_out.astype(dtype, copy=False).reshape(x_shape)


def check_dim(dim, name):
    """A dimension argument must be an int (not a bool); negative counts from the end."""
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"{name} must be an int, got {dim!r}")
    return int(dim)


def _axis(x, dim, name):
    """``dim`` as a non-negative axis of x, or a ValueError naming the parameter."""
    dim = check_dim(dim, name)
    ndim = max(x.ndim, 1)  # a 0-d array flattens to 1-d, as in PyTorch
    if not -ndim <= dim < ndim:
        raise ValueError(
            f"{name} must be in [{-ndim}, {ndim - 1}] for a {x.ndim}-d input of shape "
            f"{tuple(x.shape)}, got {dim}"
        )
    return dim % ndim
