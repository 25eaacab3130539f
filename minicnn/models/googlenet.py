"""A small GoogLeNet (seed 001): Inception blocks run four branches on the same input and
join them on the channel axis; 1×1 convolutions shrink the channels before the costly 3×3 and
5×5 ones. A global average pool replaces large fully-connected layers."""

from __future__ import annotations

from .. import nn


def inception(
    c_in: int, c1: int, c3_reduce: int, c3: int, c5_reduce: int, c5: int, pool: int
) -> nn.Concat:
    """Branches: 1×1 | 1×1 → 3×3 | 1×1 → 5×5 | 3×3 max-pool → 1×1; out: c1 + c3 + c5 + pool."""

    def conv(a, b, k):
        return [nn.Conv2d(a, b, k, padding=k // 2), nn.BatchNorm2d(b), nn.ReLU()]

    return nn.Concat(
        nn.Sequential(*conv(c_in, c1, 1)),
        nn.Sequential(*conv(c_in, c3_reduce, 1), *conv(c3_reduce, c3, 3)),
        nn.Sequential(*conv(c_in, c5_reduce, 1), *conv(c5_reduce, c5, 5)),
        nn.Sequential(nn.MaxPool2d(3, 1, 1), *conv(c_in, pool, 1)),
    )


def googlenet_small(input_shape=(1, 28, 28), classes: int = 10) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(input_shape[0], 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        inception(32, 16, 16, 24, 4, 8, 8),  # → 56 channels
        nn.MaxPool2d(2),
        inception(56, 32, 32, 48, 8, 16, 16),  # → 112 channels
        nn.MaxPool2d(2),
        nn.GlobalAvgPool(),
        nn.Linear(112, classes),
    )
