"""The classification losses: negative log-likelihood and cross-entropy, forward and backward.

Shapes, as in PyTorch: the input holds one vector of C class scores per sample, and per
position for dense prediction (segmentation); the target holds integer class indices.

    input   (N, C)  or  (N, C, d1, …, dk)
    target  (N,)    or  (N, d1, …, dk)         values in [0, C)

Write i for a sample (n, d1, …, dk), t_i for its target class and M for the number of samples.

    nll_loss:        ℓ_i = −logp[i, t_i]                        the input is log-probabilities
    cross_entropy:   ℓ_i = −log softmax(x)[i, t_i]              the input is logits (scores)
                         = log Σ_c e^(x[i, c]) − x[i, t_i]
                         = nll_loss(log_softmax(x))

``reduction`` turns the M losses into the result: 'mean' (the default) L = Σ ℓ_i / M,
'sum' L = Σ ℓ_i, 'none' the array ℓ shaped like the target. Cross-entropy goes through the
stable log-softmax (``ops/softmax.py``): logits of magnitude 1e4 give finite losses.

Backward, with g_i = ∂L/∂ℓ_i (g/M for 'mean', g for 'sum', the given array for 'none'):

    nll_loss:        ∂L/∂logp[i, c] = −g_i · [c = t_i]
    cross_entropy:   ∂L/∂x[i, c]    = g_i · (softmax(x)[i, c] − [c = t_i])

The second follows from the first through the log-softmax backward, which is how it is
computed here: softmax minus one-hot, the most familiar gradient in deep learning.

PyTorch's ``weight``, ``ignore_index`` and ``label_smoothing`` options are not implemented:
every target must be a class index in [0, C) (PyTorch silently skips targets equal to its
default ``ignore_index=-100``; here they are an error).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..backend import get_array_module
from .checks import check_floating_array
from .softmax import log_softmax_backward, log_softmax_forward

REDUCTIONS = ("mean", "sum", "none")


class NLLLossCache(NamedTuple):
    """What ``nll_loss_backward`` needs from the forward pass."""

    target: object  # (N, *d) class indices, in the input's array module
    input_shape: tuple  # (N, C, *d)
    dtype: object
    reduction: str


def nll_loss_forward(log_probs, target, reduction="mean"):
    """L from log-probabilities (e.g. the output of log_softmax over axis 1).

    log_probs: (N, C, *d) floating array;  target: (N, *d) integer array with values in [0, C)
    returns:   (loss, cache); loss is a 0-d array for 'mean' and 'sum', (N, *d) for 'none',
               in log_probs' dtype
    """
    reduction = check_reduction(reduction)
    target = _check_input_and_target(log_probs, target)
    xp = get_array_module(log_probs)
    picked = xp.take_along_axis(log_probs, target[:, None], axis=1)[:, 0]  # logp[i, t_i]
    losses = -picked
    if reduction == "mean":
        loss = xp.asarray(losses.mean())
    elif reduction == "sum":
        loss = xp.asarray(losses.sum())
    else:
        loss = losses
    return loss, NLLLossCache(target, tuple(log_probs.shape), log_probs.dtype, reduction)


def nll_loss_backward(grad_out, cache: NLLLossCache):
    """grad_out: shaped like the loss (0-d unless reduction='none') → d L / d log_probs."""
    xp = get_array_module(cache.target)
    n, c, *positions = cache.input_shape
    loss_shape = (n, *positions) if cache.reduction == "none" else ()
    check_floating_array(grad_out, str(loss_shape))
    if tuple(grad_out.shape) != loss_shape:
        raise ValueError(f"grad_out must have shape {loss_shape}, got {tuple(grad_out.shape)}")
    g = grad_out.astype(cache.dtype, copy=False)
    if cache.reduction == "mean":
        g = g / math.prod((n, *positions))
    elif cache.reduction == "none":
        g = g[:, None]  # (N, 1, *d): broadcast over the classes
    classes = xp.arange(c).reshape(1, c, *(1,) * len(positions))
    one_hot = cache.target[:, None] == classes  # (N, C, *d): True at [i, t_i]
    return xp.where(one_hot, -g, xp.zeros((), cache.dtype))


def cross_entropy_forward(logits, target, reduction="mean"):
    """L from unnormalised scores: nll_loss(log_softmax(logits, dim=1), target).

    logits: (N, C, *d) floating array;  target: (N, *d) integer array with values in [0, C)
    returns: (loss, cache), loss as for ``nll_loss_forward``
    """
    reduction = check_reduction(reduction)
    _check_input_and_target(logits, target)
    log_probs, softmax_cache = log_softmax_forward(logits, dim=1)
    loss, nll_cache = nll_loss_forward(log_probs, target, reduction)
    return loss, (softmax_cache, nll_cache)


def cross_entropy_backward(grad_out, cache):
    """grad_out: shaped like the loss → d L / d logits = g · (softmax(logits) − one_hot)."""
    softmax_cache, nll_cache = cache
    return log_softmax_backward(nll_loss_backward(grad_out, nll_cache), softmax_cache)


def check_reduction(reduction):
    """reduction must be one of 'mean', 'sum', 'none'."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _check_input_and_target(scores, target):
    """Check shapes, dtypes and class range; return target in the scores' array module."""
    check_floating_array(scores, "(N, C) or (N, C, d1, ...)")
    if scores.ndim < 2:
        raise ValueError(
            f"expected an input (N, C) or (N, C, d1, ...) (the batch axis is required), "
            f"got shape {tuple(scores.shape)}"
        )
    if not (hasattr(target, "dtype") and hasattr(target, "shape")):
        raise TypeError(f"target must be an array of class indices, got {type(target).__name__}")
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(
            f"target must hold integer class indices, got dtype {target.dtype} "
            f"(class-probability targets are not supported)"
        )
    expected = (scores.shape[0], *scores.shape[2:])
    if tuple(target.shape) != expected:
        raise ValueError(
            f"target must have shape {expected} for an input of shape {tuple(scores.shape)}, "
            f"got {tuple(target.shape)}"
        )
    target = get_array_module(scores).asarray(target)
    classes = scores.shape[1]
    if target.size:
        low, high = int(target.min()), int(target.max())
        if low < 0 or high >= classes:
            raise ValueError(
                f"target must hold class indices in [0, {classes}), got values from {low} to {high}"
            )
    return target
