"""The convolution shapes the CPU benchmarks time, and their float32 operands (NumPy only)."""

from __future__ import annotations

import math

import numpy as np

# name → (x shape, weight shape, stride, padding)
SHAPES = {
    "lenet-conv1": ((64, 1, 28, 28), (10, 1, 5, 5), 1, 0),
    "lenet-conv2": ((64, 10, 12, 12), (20, 10, 5, 5), 1, 0),
    "resnet-cifar": ((32, 64, 32, 32), (64, 64, 3, 3), 1, 1),
    "vgg-mid": ((8, 128, 28, 28), (128, 128, 3, 3), 1, 1),
    "imagenet-stem": ((8, 3, 112, 112), (64, 3, 7, 7), 2, 3),
    "conv1d": ((64, 64, 1024), (64, 64, 5), 1, 2),
    "conv3d": ((8, 16, 16, 16, 16), (32, 16, 3, 3, 3), 1, 1),
}
HEADLINE = ("lenet-conv1", "lenet-conv2", "resnet-cifar", "vgg-mid", "imagenet-stem")


def make_arrays(shape_name, seed=0):
    """(x, W, b, dy, stride, padding) for one shape: float32, the same in every process."""
    x_shape, w_shape, stride, padding = SHAPES[shape_name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    weight = rng.standard_normal(w_shape, dtype=np.float32) / math.sqrt(math.prod(w_shape[1:]))
    bias = rng.standard_normal(w_shape[0], dtype=np.float32)
    out = [(s + 2 * padding - k) // stride + 1 for s, k in zip(x_shape[2:], w_shape[2:])]
    grad_out = rng.standard_normal((x_shape[0], w_shape[0], *out), dtype=np.float32)
    return x, weight, bias, grad_out, stride, padding


def conv_flops(shape_name) -> float:
    """Floating-point operations of forward + dx + dW: 3 · 2 · N·C_out·(C_in·ΠK)·ΠO."""
    _, weight, _, grad_out, _, _ = make_arrays(shape_name)
    return 3 * 2 * grad_out.size * math.prod(weight.shape[1:])


def relative_error(got, reference) -> float:
    """Largest |got − reference| over y, dx, dW and db, relative to each one's largest value."""
    return max(float(np.abs(g - r).max() / np.abs(r).max()) for g, r in zip(got, reference))
