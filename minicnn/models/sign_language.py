"""The Keras CNN of seed 002 for Sign-Language MNIST (28×28 grey hand signs).

    3 × [conv 3×3 'same' (75, 50, 25 filters) → ReLU → (dropout 0.2 after the second)
         → BatchNorm → max-pool 2×2 stride 2 'same']
    → flatten (25·4·4) → dense 512 → ReLU → dropout 0.3 → dense classes

Keras's 'same' max pooling of an odd size keeps the last, partial window: ceil_mode here.
The final softmax lives in the loss (CrossEntropyLoss takes logits).
"""

from __future__ import annotations

from .. import nn


def sign_language_cnn(input_shape=(1, 28, 28), classes: int = 25) -> nn.Sequential:
    def block(c_in, c_out, dropout=0.0):
        layers = [nn.Conv2d(c_in, c_out, 3, padding="same"), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        return [*layers, nn.BatchNorm2d(c_out), nn.MaxPool2d(2, 2, ceil_mode=True)]

    return nn.Sequential(
        *block(input_shape[0], 75),
        *block(75, 50, dropout=0.2),
        *block(50, 25),
        nn.Flatten(),
        nn.Linear(25 * 4 * 4, 512),
        nn.ReLU(),
        nn.Dropout(0.3),
        nn.Linear(512, classes),
    )
