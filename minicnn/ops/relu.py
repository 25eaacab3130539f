"""ReLU and leaky ReLU, elementwise on an array of any shape: forward and backward together.

    relu:        y = max(x, 0)                      dx = dy · [not x <= 0]
    leaky_relu:  y = x if x > 0 else slope·x        dx = dy if x > 0 else slope·dy

Neither is differentiable at x = 0. The backward passes follow PyTorch's rules there: ReLU
passes no gradient at x == 0 (the slope of the left side, 0), leaky ReLU passes ``slope·dy``
(also the left side's slope). A NaN input stays NaN, and takes the gradient as PyTorch's
rules give it: ReLU passes ``dy`` (NaN is not <= 0), leaky ReLU ``slope·dy`` (NaN is not
> 0). The cache is a boolean mask, not x itself.
"""

from __future__ import annotations

import numbers

from ..backend import get_array_module
from .checks import check_floating_array


def relu_forward(x):
    """x: any shape → (y = max(x, 0) of the same shape and dtype, cache). NaN stays NaN."""
    check_floating_array(x, "(*)")
    xp = get_array_module(x)
    return xp.maximum(x, 0), (~(x <= 0), x.dtype)


def relu_backward(grad_out, cache):
    """grad_out: shaped like x → dx = grad_out where not x <= 0 (x > 0, or NaN), else 0."""
    xp = get_array_module(grad_out)
    passes, dtype = cache
    grad_out = _check_grad_out(grad_out, passes.shape, dtype)
    return xp.where(passes, grad_out, xp.zeros((), dtype))


def leaky_relu_forward(x, negative_slope=0.01):
    """x: any shape → (y = x where x > 0, negative_slope·x elsewhere, cache)."""
    negative_slope = check_negative_slope(negative_slope)
    check_floating_array(x, "(*)")
    xp = get_array_module(x)
    positive = x > 0
    return xp.where(positive, x, negative_slope * x), (positive, negative_slope, x.dtype)


def leaky_relu_backward(grad_out, cache):
    """grad_out: shaped like x → dx = grad_out where x > 0, negative_slope·grad_out elsewhere."""
    xp = get_array_module(grad_out)
    positive, negative_slope, dtype = cache
    grad_out = _check_grad_out(grad_out, positive.shape, dtype)
    return xp.where(positive, grad_out, negative_slope * grad_out)


def check_negative_slope(negative_slope):
    """negative_slope must be a real number (not a bool); any sign is allowed, as in PyTorch.
    Returned as a Python float, which keeps a float32 array float32 when multiplied."""
    if not isinstance(negative_slope, numbers.Real) or isinstance(negative_slope, bool):
        raise TypeError(f"negative_slope must be a real number, got {negative_slope!r}")
    return float(negative_slope)


def _check_grad_out(grad_out, shape, dtype):
    """grad_out must be a floating array of the forward output's shape; returned in ``dtype``."""
    check_floating_array(grad_out, str(tuple(shape)))
    if tuple(grad_out.shape) != tuple(shape):
        raise ValueError(f"grad_out must have shape {tuple(shape)}, got {tuple(grad_out.shape)}")
    return grad_out.astype(dtype, copy=False)
