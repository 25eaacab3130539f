"""A small AlexNet (seed 001) for 28×28 or 32×32 inputs: five convolutions with ReLU, local
response normalisation after the first two, overlapping 3×3/2 max pooling, and a dropout
classifier — AlexNet's design with about a tenth of its channels."""

from __future__ import annotations

from .. import nn
from ._shapes import flattened_size


def alexnet(input_shape=(1, 28, 28), classes: int = 10) -> nn.Sequential:
    features = nn.Sequential(
        nn.Conv2d(input_shape[0], 32, 5, padding=2),
        nn.ReLU(),
        nn.LocalResponseNorm(5),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(32, 64, 5, padding=2),
        nn.ReLU(),
        nn.LocalResponseNorm(5),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 96, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(96, 96, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(96, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
    )
    return nn.Sequential(
        *features,
        nn.Flatten(),
        nn.Dropout(),
        nn.Linear(flattened_size(features, input_shape), 256),
        nn.ReLU(),
        nn.Dropout(),
        nn.Linear(256, 256),
        nn.ReLU(),
        nn.Linear(256, classes),
    )
