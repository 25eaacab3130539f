"""Inverted dropout, per element or per channel: forward and backward together.

In training, each element (or each whole channel) is kept with probability 1 − p and zeroed
otherwise, and what is kept is scaled up by 1/(1 − p):

    keep ~ Bernoulli(1 − p),   mask = keep / (1 − p),   y = x · mask,   dx = dy · mask

so that E[y] = x. Scaling during training ("inverted" dropout) means evaluation needs no
correction at all: with ``training=False`` the op is the identity. (AlexNet's original
dropout instead multiplied by 1 − p at test time.) With p = 1 everything is dropped and the
mask is all zeros.

Channel dropout (PyTorch's Dropout1d/2d/3d, "spatial dropout", Tompson et al. 2015) draws one
keep per (n, c) of an (N, C, *spatial) input and zeroes or scales the whole feature map:
neighbouring pixels are strongly correlated, so dropping single pixels barely regularises a
convolutional layer. Its mask has shape (N, C, 1, …, 1) and broadcasts over the spatial axes.

Masks are drawn on the CPU from ``minicnn.random.get_generator()`` (so ``manual_seed``
reproduces them), made in x's dtype, and moved to x's array module with ``xp.asarray``.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

from ..backend import get_array_module
from ..random import get_generator
from .checks import check_floating_array


class DropoutCache(NamedTuple):
    """What ``dropout_backward`` needs: the mask (None when the forward was the identity)."""

    mask: object  # (N, *) for elementwise dropout, (N, C, 1, …, 1) for channel dropout
    x_shape: tuple
    dtype: object


def dropout_forward(x, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1/(1 − p).

    x: any shape → (y of the same shape and dtype, cache). With ``training=False`` y is x
    itself (the same array, as in PyTorch), and no random numbers are drawn.
    """
    check_floating_array(x, "(*)")
    return _drop(x, check_probability(p), tuple(x.shape), training)


def dropout_backward(grad_out, cache: DropoutCache):
    """grad_out: shaped like x → dx = grad_out · mask (grad_out itself after the identity)."""
    check_floating_array(grad_out, str(cache.x_shape))
    if tuple(grad_out.shape) != cache.x_shape:
        raise ValueError(f"grad_out must have shape {cache.x_shape}, got {tuple(grad_out.shape)}")
    grad_out = grad_out.astype(cache.dtype, copy=False)
    return grad_out if cache.mask is None else grad_out * cache.mask


def channel_dropout_forward(x, p=0.5, training=True):
    """Zero each whole channel x[n, c] with probability p and scale the rest by 1/(1 − p).

    x: (N, C, *spatial) → (y of the same shape and dtype, cache); identity with
    ``training=False``.
    """
    check_floating_array(x, "(N, C, *spatial)")
    if x.ndim < 2:
        raise ValueError(
            f"expected an input (N, C, *spatial) with at least 2 axes, got shape {tuple(x.shape)}"
        )
    mask_shape = (*x.shape[:2], *(1,) * (x.ndim - 2))
    return _drop(x, check_probability(p), mask_shape, training)


def channel_dropout_backward(grad_out, cache: DropoutCache):
    """grad_out: (N, C, *spatial) → dx = grad_out · mask, the (N, C, 1, …, 1) mask broadcast."""
    return dropout_backward(grad_out, cache)


def check_probability(p):
    """p must be a real number (not a bool) in [0, 1]; returned as a Python float."""
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"dropout probability p must be a real number, got {p!r}")
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability p must be in [0, 1], got {p}")
    return float(p)


def _drop(x, p, mask_shape, training):
    """y = x · mask with a fresh mask of ``mask_shape`` (broadcast against x)."""
    x_shape = tuple(x.shape)
    if not training:
        return x, DropoutCache(None, x_shape, x.dtype)
    keep = get_generator().random(mask_shape) >= p  # True with probability 1 − p
    mask = keep.astype(x.dtype)
    mask *= 0.0 if p == 1 else 1.0 / (1.0 - p)
    mask = get_array_module(x).asarray(mask)
    return x * mask, DropoutCache(mask, x_shape, x.dtype)
