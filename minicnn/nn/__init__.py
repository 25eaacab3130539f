"""Layers with parameters and caches, built on the pure functions in ``minicnn.ops``."""

from . import init
from .conv import Conv1d, Conv2d, Conv3d
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "Module", "Parameter", "init"]
