"""How much work each case is: floating-point operations and bytes of memory traffic.

The rate column of ``minicnn bench`` divides these by the measured time, so every
implementation is credited with the same work for a case, whatever it actually does.

FLOPs of a convolution pass: one multiply and one add per weight tap and output element,

    2 · N · C_out · C_in · ΠK · ΠO

(bias not counted). Forward, backward-data (dx) and backward-weights (dW) are one such pass
each; ``conv-bwd`` is two. Winograd does fewer multiplications than this, so its rate can pass
the GEMM peak: the count is the direct convolution's, the usual convention.

Bytes: float32 operands read once and results written once — the least traffic to memory
any implementation needs, so a GB/s rate is a lower bound on what it moved:

    conv-fwd          x + W + y            conv-bwd-data     dy + W + dx
    conv-bwd-weights  x + dy + dW          conv-bwd          x + W + dy + dx + dW
    maxpool           forward reads its input and writes its output, backward reads dy and
                      writes dx: 2 · (input + output); the saved winners are not counted

The training step: 3 · 2 · multiply-adds of the model's forward pass per image (forward,
input gradient and weight gradient of every convolution and linear layer; ``minicnn
summary`` counts the multiply-adds), times the batch; pooling, activations, loss and the
optimizer are not counted. Pooling is rated in GB/s, everything else in GFLOP/s.
"""

from __future__ import annotations

import math

from .. import models
from ..summary import profile
from .shapes import TRAIN_CLASSES, TRAIN_INPUT, TRAIN_MODEL, Case

BYTES_PER_VALUE = 4  # float32
CONV_PASSES = {"conv-fwd": 1, "conv-bwd-data": 1, "conv-bwd-weights": 1, "conv-bwd": 2}


def conv_pass_flops(x_shape, weight_shape, out_spatial) -> int:
    """2 · N · C_out · C_in · ΠK · ΠO: the FLOPs of one pass of a convolution."""
    n, c_out = x_shape[0], weight_shape[0]
    return 2 * n * c_out * math.prod(weight_shape[1:]) * math.prod(out_spatial)


def train_step_flops(batch: int) -> int:
    """3 · 2 · (multiply-adds of one image's forward pass) · batch, for the training model."""
    model = models.create(TRAIN_MODEL, TRAIN_INPUT, TRAIN_CLASSES)
    multiply_adds = sum(layer.multiply_adds for layer in profile(model, TRAIN_INPUT))
    return 3 * 2 * multiply_adds * batch


def flops(case: Case) -> int | None:
    """The FLOPs credited to ``case`` (None for pooling, which is rated in bytes)."""
    if case.op == "train-step":
        return train_step_flops(case.batch)
    if case.op == "maxpool":
        return None
    s = case.shape
    return CONV_PASSES[case.op] * conv_pass_flops(s.x, s.weight, s.out_spatial)


def bytes_moved(case: Case) -> int | None:
    """The least bytes ``case`` must read and write (None for the training step)."""
    if case.op == "train-step":
        return None
    s = case.shape
    if case.op == "maxpool":
        values = 2 * (math.prod(s.y) + math.prod(s.pooled))
    else:
        x, w, y = math.prod(s.x), math.prod(s.weight), math.prod(s.y)
        values = {
            "conv-fwd": x + w + y,
            "conv-bwd-data": y + w + x,
            "conv-bwd-weights": x + y + w,
            "conv-bwd": x + w + y + x + w,
        }[case.op]
    return values * BYTES_PER_VALUE


def rate(case: Case, seconds: float) -> tuple[float, str]:
    """(rate, unit): GB/s for pooling, GFLOP/s for everything else."""
    if case.op == "maxpool":
        return bytes_moved(case) / seconds / 1e9, "GB/s"
    return flops(case) / seconds / 1e9, "GFLOP/s"
