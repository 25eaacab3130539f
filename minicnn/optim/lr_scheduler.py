"""Learning-rate schedules: ``StepLR`` and ``CosineAnnealingLR``, as PyTorch's.

A scheduler rewrites ``group['lr']`` in its optimizer's parameter groups. Call
``scheduler.step()`` once per epoch, after that epoch's ``optimizer.step()`` calls::

    scheduler = mc.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(model, optimizer)
        scheduler.step()

Each group's starting rate is kept in ``group['initial_lr']`` and in ``base_lrs``. As in
PyTorch, each step computes the new rate from the group's *current* rate (the "chainable"
form), so a rate changed by hand, or by a second scheduler, carries forward.
"""

from __future__ import annotations

import math
import numbers

from .optimizer import Optimizer, check_nonnegative


class LRScheduler:
    """Base class: subclasses compute the next rates in ``get_lr()``."""

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a scheduler needs an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def get_lr(self) -> list[float]:
        """The rates for epoch ``last_epoch``, one per parameter group."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set each group's ``'lr'``."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step()`` (or the constructor) left, one per group."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Everything but the optimizer: the epoch, the base rates, the hyperparameters."""
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        vars(self).update(state_dict)


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs:
    ``lr(epoch) = initial_lr · gamma^⌊epoch / step_size⌋``."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        _check_positive_int(step_size, "step_size")
        check_nonnegative(gamma, "gamma")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from the initial rate down to ``eta_min`` over ``T_max`` epochs:

        lr(t) = eta_min + (initial_lr − eta_min) · (1 + cos(π · t / T_max)) / 2

    and, past ``T_max``, back up again (the cosine continues, with period 2·T_max). Each step
    computes lr(t) from lr(t − 1) by the ratio of consecutive cosine terms, as PyTorch does;
    where lr(t − 1) = eta_min the ratio is undefined and the increment is added instead.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        _check_positive_int(T_max, "T_max")
        check_nonnegative(eta_min, "eta_min")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        t, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if (t - 1 - period) % (2 * period) == 0:  # leaving the bottom of the cosine
            rise = (1 - math.cos(math.pi / period)) / 2
            return [
                group["lr"] + (base_lr - eta_min) * rise
                for base_lr, group in zip(self.base_lrs, groups)
            ]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]


def _check_positive_int(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
