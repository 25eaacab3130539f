"""The float32 operands of a case, the same in minicnn's process and in the PyTorch worker.

This file needs only NumPy: the PyTorch worker (``torch_worker.py``), run as a script,
imports it without importing minicnn. ``spec`` is ``shapes.Case.spec()``.
"""

from __future__ import annotations

import math

import numpy as np


def make_operands(spec: dict, seed: int = 0) -> dict:
    """Named NumPy arrays for one case.

    conv ops:    x (N, C_in, *S), weight, bias (C_out,), grad_out (N, C_out, *O)
    maxpool:     x shaped like the convolution's output y, grad_out like the pooled output
    train-step:  x (B, 1, 28, 28) images, labels (B,) int64 class indices
    """
    rng = np.random.default_rng(seed)
    if spec["op"] == "train-step":
        return {
            "x": rng.standard_normal(spec["x"], dtype=np.float32),
            "labels": rng.integers(0, spec["classes"], size=spec["x"][0]),
        }
    if spec["op"] == "maxpool":
        return {
            "x": rng.standard_normal(spec["y"], dtype=np.float32),
            "grad_out": rng.standard_normal(spec["pooled"], dtype=np.float32),
        }
    fan_in = math.prod(spec["weight"][1:])
    return {
        "x": rng.standard_normal(spec["x"], dtype=np.float32),
        "weight": rng.standard_normal(spec["weight"], dtype=np.float32) / np.float32(fan_in**0.5),
        "bias": rng.standard_normal(spec["weight"][0], dtype=np.float32),
        "grad_out": rng.standard_normal(spec["y"], dtype=np.float32),
    }
