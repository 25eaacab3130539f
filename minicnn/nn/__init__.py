"""Layers with parameters and caches, built on the pure functions in ``minicnn.ops``."""

from . import init
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .container import Concat, Residual, Sequential
from .conv import Conv1d, Conv2d, Conv3d
from .module import Module, Parameter
from .pooling import (
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    GlobalAvgPool,
    GlobalMaxPool,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MinPool1d,
    MinPool2d,
    MinPool3d,
)

__all__ = [
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "Concat",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "GlobalAvgPool",
    "GlobalMaxPool",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MinPool1d",
    "MinPool2d",
    "MinPool3d",
    "Module",
    "Parameter",
    "Residual",
    "Sequential",
    "init",
]
