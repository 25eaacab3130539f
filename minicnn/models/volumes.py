"""A small 3-d CNN for the synthetic voxel shapes: two Conv3d blocks and a global pool."""

from __future__ import annotations

from .. import nn


def volume_cnn(input_shape=(1, 12, 12, 12), classes: int = 4) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv3d(input_shape[0], 8, 3, padding=1),
        nn.BatchNorm3d(8),
        nn.ReLU(),
        nn.MaxPool3d(2),
        nn.Conv3d(8, 16, 3, padding=1),
        nn.BatchNorm3d(16),
        nn.ReLU(),
        nn.GlobalAvgPool(),
        nn.Linear(16, classes),
    )
