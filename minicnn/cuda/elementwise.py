"""Fused elementwise kernels (``kernels/elementwise.cu``): two operations in one pass.

    bias_relu(x, bias)    y = max(x + bias[c], 0) for x (N, C, *S): the tail of a conv or
                          linear layer, without the temporary ``x + bias``
    dropout(x, p, seed)   inverted dropout with the mask drawn in the same pass: (y, mask),
                          y = x · mask, mask = [u ≥ p] / (1 − p), u ~ U[0, 1)

The random numbers of ``dropout`` come from SplitMix64, a counter-based generator: number i
depends only on (seed, i), so ``uniform(seed, size)`` below draws the very same numbers on the
CPU, and a mask can be checked or recomputed exactly.

Both take and return CuPy arrays (float32 or float64) and never modify their inputs. Like
every CUDA C launcher they take ``run``, the function that launches a kernel (see
``rawmodule.launch``).
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..ops.dropout import check_probability
from .cuda_c import SUFFIX
from .geometry import launch_for
from .rawmodule import launch as gpu_launch

_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)


def bias_relu(x, bias, run=gpu_launch):
    """x (N, C, *S), bias (C,) → y = max(x + bias[c], 0), of x's dtype; NaN stays NaN."""
    _check_floating(x, "x")
    if x.ndim < 2 or tuple(bias.shape) != (x.shape[1],):
        raise ValueError(
            f"expected x (N, C, *S) and bias (C,), got shapes {tuple(x.shape)} and "
            f"{tuple(bias.shape)}"
        )
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    bias = xp.ascontiguousarray(bias, dtype=x.dtype)
    y = xp.empty_like(x)
    plane = int(np.prod(x.shape[2:], dtype=np.int64))
    launch = launch_for(x.size)
    args = (x, bias, y, np.int64(x.size), np.int32(x.shape[1]), np.int64(plane))
    run("elementwise.cu", f"bias_relu_{SUFFIX[x.dtype]}", (launch.blocks,), (launch.threads,), args)
    return y


def dropout(x, p, seed: int, run=gpu_launch):
    """x (any shape) → (y, mask) of x's dtype: element i kept (and scaled by 1/(1 − p)) when
    the i-th number of ``uniform(seed, x.size)`` is at least p, zeroed otherwise."""
    _check_floating(x, "x")
    p = check_probability(p)
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    y, mask = xp.empty_like(x), xp.empty_like(x)
    scale = x.dtype.type(0.0 if p == 1 else 1.0 / (1.0 - p))
    launch = launch_for(x.size)
    args = (x, y, mask, np.int64(x.size), np.uint64(seed), np.float64(p), scale)
    run("elementwise.cu", f"dropout_{SUFFIX[x.dtype]}", (launch.blocks,), (launch.threads,), args)
    return y, mask


def uniform(seed: int, size: int) -> np.ndarray:
    """The numbers ``dropout`` draws, on the CPU: u_i = (SplitMix64(seed, i) >> 11) · 2⁻⁵³,
    float64 in [0, 1), for i = 0 … size − 1."""
    z = np.uint64(seed) + (np.arange(size, dtype=np.uint64) + np.uint64(1)) * _GOLDEN_GAMMA
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _check_floating(x, name):
    if np.dtype(x.dtype) not in SUFFIX:
        raise TypeError(f"{name} must be float32 or float64, got {x.dtype}")
