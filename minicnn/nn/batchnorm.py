"""Batch normalisation layers: ``BatchNorm1d``, ``BatchNorm2d`` and ``BatchNorm3d``.

In training mode a layer normalises with the batch's statistics and folds them into running
estimates, PyTorch's rule (the running variance is the unbiased one, M/(M − 1)·σ²):

    running_mean ← (1 − momentum)·running_mean + momentum·μ
    running_var  ← (1 − momentum)·running_var  + momentum·σ²·M/(M − 1)

(``momentum=None`` gives the cumulative average: momentum = 1 / batches seen.) In evaluation
mode it normalises with the running estimates. The arithmetic lives in ``ops/batch_norm.py``.

The running estimates and ``num_batches_tracked`` are updated in place, so a ``state_dict()``
taken earlier follows them, as PyTorch's does.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..ops.batch_norm import batch_norm_backward, batch_norm_forward, values_per_channel
from ..ops.checks import check_floating_array, check_input
from ..ops.geometry import as_int
from .module import Module, Parameter


class _BatchNorm(Module):
    """Batch normalisation over inputs with ``ndims`` spatial axes (set by each subclass)."""

    ndims: tuple[int, ...]
    layout: str
    # PyTorch loads a state dict without num_batches_tracked (older checkpoints have none),
    # keeping the layer's count
    _optional_buffers = ("num_batches_tracked",)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        self.num_features = as_int(num_features, "num_features", 1)
        self.eps = _non_negative(eps, "eps")
        self.momentum = None if momentum is None else _non_negative(momentum, "momentum")
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, np.float32))
            self.bias = Parameter(np.zeros(self.num_features, np.float32))
        else:
            self.weight = self.bias = None
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, np.float32))
            self.register_buffer("running_var", np.ones(self.num_features, np.float32))
            self.register_buffer("num_batches_tracked", np.array(0, np.int64))
        self._cache = None

    def forward(self, x):
        """x: (N, C, *S) → y of the same shape."""
        check_floating_array(x, self.layout)
        ranks = [d + 2 for d in self.ndims]
        if x.ndim not in ranks:
            raise ValueError(
                f"expected a {' or '.join(f'{r}-d' for r in ranks)} input {self.layout} (the "
                f"batch axis is required), got {x.ndim}-d with shape {tuple(x.shape)}"
            )
        check_input(x, x.ndim - 2, self.num_features, self.layout)
        use_batch = self.training or not self.track_running_stats
        y, self._cache = batch_norm_forward(
            x,
            None if self.weight is None else self.weight.data,
            None if self.bias is None else self.bias.data,
            None if use_batch else self.running_mean,
            None if use_batch else self.running_var,
            self.eps,
        )
        if self.training and self.track_running_stats:
            self._update_running_statistics(x)
        return y

    def backward(self, grad_out):
        """grad_out: (N, C, *S) → dx; adds into weight.grad and bias.grad."""
        if self._cache is None:
            raise RuntimeError("backward() called before forward()")
        dx, dweight, dbias = batch_norm_backward(grad_out, self._cache)
        if self.affine:
            self.weight.accumulate_grad(dweight)
            self.bias.accumulate_grad(dbias)
        return dx

    def _update_running_statistics(self, x):
        """Fold the batch's statistics into the buffers, writing into their arrays (same
        dtype, shape and device) rather than replacing them."""
        self.num_batches_tracked[...] += 1
        m = values_per_channel(x.shape)
        if m == 0:  # an empty batch measures nothing; PyTorch counts it all the same
            return
        momentum = 1.0 / int(self.num_batches_tracked) if self.momentum is None else self.momentum
        mean, var = self._cache.mean, self._cache.var * (m / (m - 1))
        dtype = self.running_mean.dtype
        self.running_mean[...] = (1 - momentum) * self.running_mean + momentum * mean.astype(dtype)
        self.running_var[...] = (1 - momentum) * self.running_var + momentum * var.astype(dtype)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Per-feature normalisation of (N, C) or (N, C, L) inputs."""

    ndims = (0, 1)
    layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Per-channel normalisation of (N, C, H, W) inputs."""

    ndims = (2,)
    layout = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Per-channel normalisation of (N, C, D, H, W) inputs."""

    ndims = (3,)
    layout = "(N, C, D, H, W)"


def _non_negative(value, name: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return float(value)
