"""The Fashion-MNIST networks of seed 003, for 28×28 inputs.

FashionDNN:  flatten 784 → fc 256 → ReLU → dropout 0.25 → fc 128 → ReLU → fc classes
FashionCNN:  conv 1→32 3×3 pad 1 → BatchNorm → ReLU → max-pool 2
             → conv 32→64 3×3 → BatchNorm → ReLU → max-pool 2
             → flatten (64·6·6) → fc 600 → dropout 0.25 → fc 120 → fc classes

The seed writes Dropout2d after fc 600; on a flat (N, 600) input there are no feature maps
to drop whole, so this is the ordinary, element-wise dropout.
"""

from __future__ import annotations

from .. import nn


def fashion_dnn(input_shape=(1, 28, 28), classes: int = 10) -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(input_shape[0] * 28 * 28, 256),
        nn.ReLU(),
        nn.Dropout(0.25),
        nn.Linear(256, 128),
        nn.ReLU(),
        nn.Linear(128, classes),
    )


def fashion_cnn(input_shape=(1, 28, 28), classes: int = 10) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(input_shape[0], 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 6 * 6, 600),
        nn.Dropout(0.25),
        nn.Linear(600, 120),
        nn.Linear(120, classes),
    )
