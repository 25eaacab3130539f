"""Adam and AdamW: steps scaled per element by running averages of the gradient's moments.

PyTorch's update, for each parameter p with gradient g, at step t = 1, 2, ...:

    g ← g + weight_decay · p                      (Adam: L2 penalty added to the gradient)
    p ← p · (1 − lr · weight_decay)               (AdamW instead: decoupled weight decay)
    m ← β₁ · m + (1 − β₁) · g                     (first moment, state 'exp_avg')
    v ← β₂ · v + (1 − β₂) · g²                    (second moment, state 'exp_avg_sq')
    v̂ ← max(v̂, v) if amsgrad, else v̂ = v          (state 'max_exp_avg_sq')
    p ← p − lr / (1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)

m and v start at zero, so early on they underestimate the moments; dividing by 1 − βᵗ (the
bias correction) undoes that. Each element moves by about lr · mean(g) / rms(g), whatever
the gradient's scale. With Adam the L2 penalty is rescaled like the gradient; AdamW shrinks
the weights directly, which regularises large-gradient weights as much as the others.
"""

from __future__ import annotations

import math
import numbers

from ..backend import get_array_module
from .optimizer import Optimizer, check_nonnegative


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    *, decoupled_weight_decay=False)``; ``decoupled_weight_decay=True`` is AdamW."""

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        amsgrad=False,
        *,
        decoupled_weight_decay=False,
    ):
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check(self, group: dict) -> None:
        for name in ("lr", "eps", "weight_decay"):
            check_nonnegative(group[name], name)
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
                raise TypeError(f"betas[{i}] must be a real number, got {beta!r}")
            if not 0 <= beta < 1:
                raise ValueError(f"betas[{i}] must be in [0, 1), got {beta}")

    def _update(self, param, grad, group: dict) -> None:
        lr, eps, weight_decay = (
            float(group["lr"]),
            float(group["eps"]),
            float(group["weight_decay"]),
        )
        beta1, beta2 = (float(beta) for beta in group["betas"])
        xp = get_array_module(param.data)
        state = self.state.setdefault(param, {})
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param.data)
            state["exp_avg_sq"] = xp.zeros_like(param.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param.data)
        state["step"] += 1
        step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]

        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param.data *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param.data
        exp_avg *= beta1
        exp_avg += (1 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]

        step_size = lr / (1 - beta1**step)
        denominator = xp.sqrt(exp_avg_sq) / math.sqrt(1 - beta2**step) + eps
        param.data -= step_size * (exp_avg / denominator)


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
    amsgrad=False)``: Adam with decoupled weight decay, p ← p · (1 − lr · weight_decay)
    (Loshchilov & Hutter, 2019)."""

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, decoupled_weight_decay=True)
