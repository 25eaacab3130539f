"""The logistic sigmoid, elementwise: forward and backward together.

    y = σ(x) = 1 / (1 + e^(−x))          dx = dy · y · (1 − y)

The backward pass needs only the output y, so that is what the forward pass keeps.

Written as above, e^(−x) overflows for x below about −710 (float64) or −89 (float32). The
stable form evaluates the exponential only of −|x|, which lies in (0, 1]:

    e = e^(−|x|)        σ(x) = 1 / (1 + e)   for x >= 0
                        σ(x) = e / (1 + e)   for x < 0        (multiply through by e^x)

Both branches are the same function; the second avoids dividing 1 by an overflowed 1 + ∞.
"""

from __future__ import annotations

from ..backend import get_array_module
from .checks import check_floating_array


def sigmoid_forward(x):
    """x: any shape → (y = σ(x) of the same shape and dtype, cache = y)."""
    check_floating_array(x, "(*)")
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    y = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return y, y


def sigmoid_backward(grad_out, cache):
    """grad_out: shaped like x → dx = grad_out · y · (1 − y)."""
    y = cache
    check_floating_array(grad_out, str(tuple(y.shape)))
    if tuple(grad_out.shape) != tuple(y.shape):
        raise ValueError(f"grad_out must have shape {tuple(y.shape)}, got {tuple(grad_out.shape)}")
    return grad_out.astype(y.dtype, copy=False) * y * (1 - y)
