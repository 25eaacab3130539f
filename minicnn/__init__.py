"""minicnn: a from-scratch convolution engine with hand-written backprop.

import minicnn as mc
conv = mc.nn.Conv2d(1, 10, kernel_size=5)
y = conv(x)                    # x: (N, 1, H, W) NumPy array
dx = conv.backward(dy)         # conv.weight.grad and conv.bias.grad now hold dL/dθ
mc.gradcheck(conv, x)          # True, or AssertionError naming the worst element
"""

from . import nn, ops, optim
from .gradcheck import gradcheck
from .random import manual_seed
from .serialization import load, save

__version__ = "0.1.0"
__all__ = ["gradcheck", "load", "manual_seed", "nn", "ops", "optim", "save"]
