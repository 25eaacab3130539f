"""The convolutional baseline of the MNIST-1D paper (Greydanus, 2020), for 40-sample signals.

conv 1→25 k5 s2 p1 → ReLU → conv 25→25 k3 s2 p1 → ReLU → conv 25→25 k3 s2 p1 → ReLU
→ flatten (25·5) → fc classes          lengths: 40 → 19 → 10 → 5
"""

from __future__ import annotations

from .. import nn


def mnist1d_cnn(input_shape=(1, 40), classes: int = 10, channels: int = 25) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv1d(input_shape[0], channels, 5, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv1d(channels, channels, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv1d(channels, channels, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(channels * 5, classes),
    )
