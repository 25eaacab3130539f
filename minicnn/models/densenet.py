"""A small DenseNet (seed 001): inside a dense block every layer receives the feature maps of
all layers before it, joined on channels (each layer adds ``growth`` channels); transitions
between blocks halve the channels with a 1×1 convolution and the size with 2×2 average
pooling."""

from __future__ import annotations

from .. import nn


def dense_layer(c_in: int, growth: int) -> nn.Concat:
    """[x, conv3×3(ReLU(BN(conv1×1(ReLU(BN(x))))))]: c_in → c_in + growth channels."""
    return nn.Concat(
        nn.Identity(),
        nn.Sequential(
            nn.BatchNorm2d(c_in),
            nn.ReLU(),
            nn.Conv2d(c_in, 4 * growth, 1, bias=False),
            nn.BatchNorm2d(4 * growth),
            nn.ReLU(),
            nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False),
        ),
    )


def dense_block(c_in: int, layers: int, growth: int) -> list:
    return [dense_layer(c_in + i * growth, growth) for i in range(layers)]


def transition(c_in: int, c_out: int) -> list:
    return [nn.BatchNorm2d(c_in), nn.ReLU(), nn.Conv2d(c_in, c_out, 1, bias=False), nn.AvgPool2d(2)]


def densenet_small(input_shape=(1, 28, 28), classes: int = 10, growth: int = 12) -> nn.Sequential:
    c = 2 * growth
    layers = [nn.Conv2d(input_shape[0], c, 3, padding=1, bias=False)]
    for block in range(2):
        layers += dense_block(c, 4, growth)
        c += 4 * growth
        if block == 0:
            layers += transition(c, c // 2)
            c //= 2
    return nn.Sequential(
        *layers, nn.BatchNorm2d(c), nn.ReLU(), nn.GlobalAvgPool(), nn.Linear(c, classes)
    )
