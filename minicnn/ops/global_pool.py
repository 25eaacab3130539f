"""Global average and max pooling: one number per channel, ``(N, C, *S) → (N, C)``.

A global pool is a pool whose window is the whole feature map (GoogLeNet's and ResNet's head,
in place of large fully-connected layers):

    avg:  y[n, c] = mean over s of x[n, c, s]       dx[n, c, s] = dy[n, c] / ΠS
    max:  y[n, c] = max  over s of x[n, c, s]       dx[n, c, s] = dy[n, c] at the first
                                                     maximal position s, 0 elsewhere

A NaN is the maximum of its map, and the last NaN takes the gradient (PyTorch's rule).
"""

from __future__ import annotations

import math

from ..backend import get_array_module
from .checks import check_floating_array


def global_avg_pool_forward(x):
    """x: (N, C, *S) → (y (N, C), cache)."""
    _check(x)
    return x.mean(axis=tuple(range(2, x.ndim))), (tuple(x.shape), x.dtype)


def global_avg_pool_backward(grad_out, cache):
    """grad_out: (N, C) → dx: (N, C, *S)."""
    xp = get_array_module(grad_out)
    x_shape, dtype = cache
    share = _check_grad_out(grad_out, x_shape, dtype) / math.prod(x_shape[2:])
    return xp.ascontiguousarray(
        xp.broadcast_to(share.reshape(*x_shape[:2], *([1] * (len(x_shape) - 2))), x_shape)
    )


def global_max_pool_forward(x):
    """x: (N, C, *S) → (y (N, C), cache)."""
    _check(x)
    xp = get_array_module(x)
    flat = x.reshape(*x.shape[:2], -1)
    y = flat.max(axis=2)  # NaN where the map holds one
    first_maximum = flat.argmax(axis=2)  # (N, C): the first maximal position wins a tie
    last_nan = flat.shape[2] - 1 - xp.isnan(flat)[..., ::-1].argmax(axis=2)
    winners = xp.where(xp.isnan(y), last_nan, first_maximum)
    return y, (tuple(x.shape), x.dtype, winners)


def global_max_pool_backward(grad_out, cache):
    """grad_out: (N, C) → dx: (N, C, *S)."""
    xp = get_array_module(grad_out)
    x_shape, dtype, winners = cache
    grad_out = _check_grad_out(grad_out, x_shape, dtype)
    positions = xp.arange(math.prod(x_shape[2:]))
    dx = xp.where(positions == winners[..., None], grad_out[..., None], xp.zeros((), dtype))
    return dx.reshape(x_shape)


def _check(x):
    check_floating_array(x, "(N, C, *spatial)")
    if x.ndim < 3 or 0 in x.shape[2:]:
        raise ValueError(
            f"expected an input (N, C, *spatial) with one or more spatial axes, none empty, "
            f"got shape {tuple(x.shape)}"
        )


def _check_grad_out(grad_out, x_shape, dtype):
    if tuple(grad_out.shape) != tuple(x_shape[:2]):
        raise ValueError(
            f"grad_out must have shape {tuple(x_shape[:2])}, got {tuple(grad_out.shape)}"
        )
    return grad_out.astype(dtype, copy=False)
