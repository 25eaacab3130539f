"""Optimizers (``SGD``, ``Adam``, ``AdamW``) and learning-rate schedules (``lr_scheduler``),
with PyTorch's names, arguments and update rules."""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
