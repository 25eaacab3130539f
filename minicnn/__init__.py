"""minicnn: a from-scratch convolution engine with hand-written backprop.

import minicnn as mc
conv = mc.nn.Conv2d(1, 10, kernel_size=5)
y = conv(x)                    # x: (N, 1, H, W) NumPy array
dx = conv.backward(dy)         # conv.weight.grad and conv.bias.grad now hold dL/dθ
mc.gradcheck(conv, x)          # True, or AssertionError naming the worst element
"""

import os

# minicnn's compiled kernels (Numba's thread pool) and its GEMMs (the BLAS behind NumPy) take
# turns on the same cores. By default each pool keeps its idle threads spinning for a while
# after its work, so the next one runs on busy cores: on 2 cores a convolution ran up to 1.7×
# slower. Unless set already, these make idle threads sleep at once. They act only when
# minicnn is imported before NumPy (as the ``minicnn`` command and the benchmarks do).
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from . import models, nn, ops, optim
from .gradcheck import gradcheck
from .ops.conv_select import conv_algorithm, set_conv_algorithm, set_workspace_limit
from .random import manual_seed
from .serialization import load, save

__version__ = "0.1.0"
__all__ = [
    "conv_algorithm",
    "gradcheck",
    "load",
    "manual_seed",
    "models",
    "nn",
    "ops",
    "optim",
    "save",
    "set_conv_algorithm",
    "set_workspace_limit",
]
