"""The hyperbolic tangent, elementwise: forward and backward together.

    y = tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)) = 2·σ(2x) − 1        dx = dy · (1 − y²)

``tanh`` from the array module is already stable for large |x| (it saturates at ±1). The
backward pass needs only the output y, so that is what the forward pass keeps.
"""

from __future__ import annotations

from ..backend import get_array_module
from .checks import check_floating_array


def tanh_forward(x):
    """x: any shape → (y = tanh(x) of the same shape and dtype, cache = y)."""
    check_floating_array(x, "(*)")
    y = get_array_module(x).tanh(x)
    return y, y


def tanh_backward(grad_out, cache):
    """grad_out: shaped like x → dx = grad_out · (1 − y²)."""
    y = cache
    check_floating_array(grad_out, str(tuple(y.shape)))
    if tuple(grad_out.shape) != tuple(y.shape):
        raise ValueError(f"grad_out must have shape {tuple(y.shape)}, got {tuple(grad_out.shape)}")
    return grad_out.astype(y.dtype, copy=False) * (1 - y * y)
