"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay.

PyTorch's update, for each parameter p with gradient g, at learning rate lr:

    g ← g + weight_decay · p                       (L2 penalty ½·weight_decay·‖p‖²)
    b ← g                                          (first step: the buffer starts as g)
    b ← momentum · b + (1 − dampening) · g         (later steps)
    g ← g + momentum · b   if nesterov,   else   g ← b
    p ← p − lr · g

Without momentum the update is plain ``p ← p − lr · g``. The buffer ``b`` (state
``'momentum_buffer'``) is a running, exponentially decaying sum of past gradients: with
momentum 0.9 a steady gradient eventually moves p ten times as far per step. Nesterov's
variant steps with the gradient plus the buffer's next contribution ("look ahead").
"""

from __future__ import annotations

from .optimizer import Optimizer, check_nonnegative


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, *, dampening=0, weight_decay=0, nesterov=False)``.

    The arguments after ``momentum`` are keyword-only: PyTorch's positional order puts
    ``dampening`` before ``weight_decay``, and naming them rules out mixing the two up.
    """

    def __init__(
        self, params, lr=1e-3, momentum=0.0, *, dampening=0.0, weight_decay=0.0, nesterov=False
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
        )
        super().__init__(params, defaults)

    def _check(self, group: dict) -> None:
        for name in ("lr", "momentum", "dampening", "weight_decay"):
            check_nonnegative(group[name], name)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("nesterov=True needs momentum > 0 and dampening = 0")

    def _update(self, param, grad, group: dict) -> None:
        lr, momentum = float(group["lr"]), float(group["momentum"])
        weight_decay, dampening = float(group["weight_decay"]), float(group["dampening"])
        if weight_decay != 0:
            grad = grad + weight_decay * param.data
        if momentum != 0:
            state = self.state.setdefault(param, {})
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.copy()
            else:
                buffer *= momentum
                buffer += (1 - dampening) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param.data -= lr * grad
