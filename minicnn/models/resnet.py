"""A small ResNet (seed 001): BasicBlocks add their input back to their output, so the
gradient reaches early layers through the identity; when the shape changes (stride 2 or
more channels) the shortcut is a 1×1 convolution with BatchNorm (a projection)."""

from __future__ import annotations

from .. import nn


def basic_block(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    """ReLU(BN(conv3×3(ReLU(BN(conv3×3(x))))) + shortcut(x))."""
    body = nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
    )
    shortcut = None
    if stride != 1 or c_in != c_out:
        shortcut = nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
        )
    return nn.Sequential(nn.Residual(body, shortcut), nn.ReLU())


def resnet_small(input_shape=(1, 28, 28), classes: int = 10) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(input_shape[0], 16, 3, padding=1, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        basic_block(16, 16),
        basic_block(16, 32, stride=2),
        basic_block(32, 64, stride=2),
        nn.GlobalAvgPool(),
        nn.Linear(64, classes),
    )
