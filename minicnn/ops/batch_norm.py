"""Batch normalisation per channel: forward and backward together.

For x of shape (N, C, *S), each channel c is normalised over the M = N·ΠS values it has in
the batch, then scaled and shifted by the learned γ (weight) and β (bias):

    μ_c = mean(x[:, c]),  σ²_c = mean((x[:, c] − μ_c)²)            (biased: divide by M)
    x̂ = (x − μ) / √(σ² + ε),   y = γ·x̂ + β

In evaluation mode μ and σ² are given (the running statistics) instead of measured.

Backward, with g = ∂L/∂y and sums over the M positions of a channel:

    ∂L/∂β = Σ g,   ∂L/∂γ = Σ g·x̂
    batch statistics:  ∂L/∂x = γ / (M·√(σ² + ε)) · (M·g − Σ g − x̂·Σ g·x̂)
    given statistics:  ∂L/∂x = γ·g / √(σ² + ε)

The first form is longer because μ and σ² depend on every x in the channel: moving one value
moves the mean and the variance, and with them every output of the channel.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

from ..backend import get_array_module
from .checks import check_floating_array


class BatchNormCache(NamedTuple):
    x_hat: object  # (N, C, *S) normalised input
    inv_std: object  # (C,) 1/√(σ² + ε)
    weight: object  # (C,) γ in the compute dtype, or None
    batch_statistics: bool
    mean: object  # (C,) the μ used
    var: object  # (C,) the σ² used (biased when measured on the batch)


def batch_norm_forward(x, weight=None, bias=None, mean=None, var=None, eps=1e-5):
    """Normalise each channel of x: (N, C, *S) → (y of the same shape, cache).

    weight, bias: (C,) or None (no affine transform)
    mean, var:    (C,) statistics to use, or both None to measure them on the batch
    eps:          a number >= 0 added to the variance
    """
    xp = get_array_module(x)
    check_floating_array(x, "(N, C, *spatial)")
    if x.ndim < 2:
        raise ValueError(f"expected an input (N, C, *spatial), got shape {tuple(x.shape)}")
    channels = x.shape[1]
    for name, array in (("weight", weight), ("bias", bias), ("mean", mean), ("var", var)):
        if array is None:
            continue
        if not (hasattr(array, "shape") and hasattr(array, "astype")):
            raise TypeError(
                f"{name} must be an array of shape ({channels},) or None, "
                f"got {type(array).__name__}"
            )
        if tuple(array.shape) != (channels,):
            raise ValueError(f"{name} must have shape ({channels},), got {tuple(array.shape)}")
    if (mean is None) != (var is None):
        given, missing = ("mean", "var") if var is None else ("var", "mean")
        raise ValueError(
            f"mean and var must be given together (statistics to use) or both be None "
            f"(measure them on the batch), got {given} without {missing}"
        )
    if not isinstance(eps, numbers.Real) or isinstance(eps, bool):
        raise TypeError(f"eps must be a number, got {eps!r}")
    if not eps >= 0:  # written so that NaN is refused too
        raise ValueError(f"eps must be >= 0, got {eps}")
    axes = (0, *range(2, x.ndim))
    batch_statistics = mean is None
    if batch_statistics:
        values = values_per_channel(x.shape)
        if values == 1:
            raise ValueError(
                f"batch statistics need more than 1 value per channel, got input shape "
                f"{tuple(x.shape)}"
            )
        if values == 0:  # an empty batch: nothing to measure, and an empty output (PyTorch's)
            mean = var = xp.zeros(x.shape[1], x.dtype)
        else:
            mean, var = x.mean(axis=axes), x.var(axis=axes)
    else:
        mean, var = mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)
    inv_std = 1 / xp.sqrt(var + eps)
    x_hat = (x - _per_channel(mean, x.ndim)) * _per_channel(inv_std, x.ndim)
    y = x_hat
    if weight is not None:
        weight = weight.astype(x.dtype, copy=False)
        y = y * _per_channel(weight, x.ndim)
    if bias is not None:
        y = y + _per_channel(bias.astype(x.dtype, copy=False), x.ndim)
    return y, BatchNormCache(x_hat, inv_std, weight, batch_statistics, mean, var)


def batch_norm_backward(grad_out, cache: BatchNormCache):
    """grad_out: (N, C, *S) → (dx, dweight, dbias); dweight and dbias are (C,)."""
    x_hat = cache.x_hat
    if tuple(grad_out.shape) != tuple(x_hat.shape):
        raise ValueError(
            f"grad_out must have shape {tuple(x_hat.shape)}, got {tuple(grad_out.shape)}"
        )
    g = grad_out.astype(x_hat.dtype, copy=False)
    ndim = x_hat.ndim
    axes = (0, *range(2, ndim))
    dbias = g.sum(axis=axes)
    dweight = (g * x_hat).sum(axis=axes)
    scale = cache.inv_std if cache.weight is None else cache.weight * cache.inv_std
    if cache.batch_statistics:
        m = values_per_channel(x_hat.shape)
        if m == 0:  # an empty batch: an empty gradient
            return g.copy(), dweight, dbias
        dx = _per_channel(scale / m, ndim) * (
            m * g - _per_channel(dbias, ndim) - x_hat * _per_channel(dweight, ndim)
        )
    else:
        dx = g * _per_channel(scale, ndim)
    return dx, dweight, dbias


def values_per_channel(shape) -> int:
    """N·ΠS of an (N, C, *S) shape: the values each channel's statistics are taken over
    (also when C is 0, where ``size // C`` would divide by zero)."""
    return math.prod(shape[:1] + shape[2:])


def _per_channel(values, ndim):
    """(C,) → (1, C, 1, …, 1), to broadcast against (N, C, *S)."""
    return values.reshape(1, -1, *([1] * (ndim - 2)))
