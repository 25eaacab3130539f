"""Loss layers: ``CrossEntropyLoss`` (from logits) and ``NLLLoss`` (from log-probabilities).

A loss is the end of the backward chain, so it is used a little differently from a layer:

    loss = criterion(input, target)      # a 0-d array (reduction 'mean' or 'sum')
    grad = criterion.backward()          # d loss / d input; grad_out defaults to 1

The formulas are in ``ops/cross_entropy.py``.
"""

from __future__ import annotations

import numbers

from ..backend import get_array_module
from ..ops.cross_entropy import (
    check_reduction,
    cross_entropy_backward,
    cross_entropy_forward,
    nll_loss_backward,
    nll_loss_forward,
)
from .module import Module


class _Loss(Module):
    """A criterion L(input, target) whose backward gives d L / d input.

    PyTorch's first argument, ``weight`` (a weight per class), keeps its place but is not
    implemented: anything but None is refused. ``reduction`` is keyword-only.
    """

    def __init__(self, weight=None, *, reduction="mean"):
        super().__init__()
        if weight is not None:
            raise ValueError(
                f"{type(self).__name__} does not support class weights, got weight={weight!r} "
                f"(the first argument is PyTorch's weight; pass reduction by keyword)"
            )
        self.reduction = check_reduction(reduction)
        self._cache = None
        self._loss = None

    def forward(self, input, target):
        """input: (N, C, *d) floating; target: (N, *d) integer class indices in [0, C).

        Returns the loss in input's dtype: a 0-d array for 'mean' and 'sum', (N, *d) for
        'none'.
        """
        self._loss, self._cache = self._forward(input, target, self.reduction)
        return self._loss

    def backward(self, grad_out=None):
        """d L / d input, shaped like input. ``grad_out`` (an array shaped like the loss, or a
        number for a 0-d loss) defaults to 1; it is required when reduction='none', where the
        loss is not a scalar (PyTorch's rule)."""
        if self._cache is None:
            raise RuntimeError("backward() called before forward()")
        if grad_out is None and self.reduction == "none":
            raise ValueError("grad_out is required when reduction='none'")
        if grad_out is None or isinstance(grad_out, numbers.Real):
            grad_out = get_array_module(self._loss).asarray(
                1 if grad_out is None else grad_out, self._loss.dtype
            )
        return self._backward(grad_out, self._cache)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """−log softmax(input)[target] per sample, averaged: the loss of a classifier's logits.

    Equal to ``NLLLoss()(LogSoftmax(dim=1)(input), target)``, computed stably.
    """

    _forward = staticmethod(cross_entropy_forward)
    _backward = staticmethod(cross_entropy_backward)


class NLLLoss(_Loss):
    """−input[target] per sample, averaged: the loss of log-probabilities (after LogSoftmax)."""

    _forward = staticmethod(nll_loss_forward)
    _backward = staticmethod(nll_loss_backward)
