"""VGG (seed 001): stacks of 3×3 convolutions (two 3×3 see as far as one 5×5, with fewer
weights) separated by 2×2 max pooling, then fully-connected layers.

``vgg_small`` fits 28×28 or 32×32 inputs; ``vgg16`` is configuration D at 224×224, whose
profile (``minicnn summary vgg16``) shows seed 004's point: activation memory peaks in the
first layers, weights in the first fully-connected layer.
"""

from __future__ import annotations

from .. import nn
from ._shapes import flattened_size

VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")
SMALL = (32, 32, "M", 64, 64, "M", 128, 128, "M")


def vgg_features(in_channels: int, configuration) -> list:
    layers, channels = [], in_channels
    for item in configuration:
        if item == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU()]
            channels = item
    return layers


def vgg_small(input_shape=(1, 28, 28), classes: int = 10) -> nn.Sequential:
    features = nn.Sequential(*vgg_features(input_shape[0], SMALL))
    return nn.Sequential(
        *features,
        nn.Flatten(),
        nn.Linear(flattened_size(features, input_shape), 256),
        nn.ReLU(),
        nn.Dropout(),
        nn.Linear(256, classes),
    )


def vgg16(input_shape=(3, 224, 224), classes: int = 1000) -> nn.Sequential:
    features = vgg_features(input_shape[0], VGG16)
    side_after = input_shape[1] // 32, input_shape[2] // 32
    return nn.Sequential(
        *features,
        nn.Flatten(),
        nn.Linear(512 * side_after[0] * side_after[1], 4096),
        nn.ReLU(),
        nn.Dropout(),
        nn.Linear(4096, 4096),
        nn.ReLU(),
        nn.Dropout(),
        nn.Linear(4096, classes),
    )
