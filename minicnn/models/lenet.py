"""The LeNet-style CNN of seed 000 (PyTorch's MNIST example), for 28×28 inputs.

conv 1→10 k5 → max-pool 2 → ReLU → conv 10→20 k5 → Dropout2d → max-pool 2 → ReLU
→ flatten (20·4·4 = 320) → fc 320→50 → ReLU → dropout → fc 50→classes → log-softmax
"""

from __future__ import annotations

from .. import nn


def lenet(input_shape=(1, 28, 28), classes: int = 10) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(input_shape[0], 10, kernel_size=5),
        nn.MaxPool2d(2),
        nn.ReLU(),
        nn.Conv2d(10, 20, kernel_size=5),
        nn.Dropout2d(),
        nn.MaxPool2d(2),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(320, 50),
        nn.ReLU(),
        nn.Dropout(),
        nn.Linear(50, classes),
        nn.LogSoftmax(dim=1),
    )
