"""Pooling layers: max, min and average over 1, 2 or 3 spatial axes, and global pooling.

The hyperparameters are checked at construction; the arithmetic lives in ``ops/pool.py`` and
``ops/global_pool.py``. Pooling has no parameters.
"""

from __future__ import annotations

from ..ops.checks import check_input, spatial_layout
from ..ops.geometry import as_tuple
from ..ops.global_pool import (
    global_avg_pool_backward,
    global_avg_pool_forward,
    global_max_pool_backward,
    global_max_pool_forward,
)
from ..ops.pool import (
    avg_pool_backward,
    avg_pool_forward,
    check_flag,
    check_pool_arguments,
    max_pool_backward,
    max_pool_forward,
    min_pool_forward,
)
from .module import OpLayer


class _PoolNd(OpLayer):
    """A sliding-window pool over ``ndim`` spatial axes (set by each subclass):
    x (N, C, *S) → (N, C, *O)."""

    ndim: int

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = check_pool_arguments(
            self.ndim, kernel_size, stride, padding, ceil_mode
        )
        self.ceil_mode = bool(ceil_mode)

    def forward(self, x):
        check_input(x, self.ndim, None, spatial_layout(self.ndim))
        return super().forward(x)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"ceil_mode={self.ceil_mode}"
        )


class _ExtremePoolNd(_PoolNd):
    """Max or min pooling, with PyTorch's ``MaxPool`` arguments in PyTorch's order. Only
    ``dilation=1`` and ``return_indices=False`` are implemented; other values are refused (the
    winners that ``return_indices`` would give stay in the cache for the backward pass)."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices=False,
        ceil_mode=False,
    ):
        if as_tuple(dilation, self.ndim, "dilation", 1) != (1,) * self.ndim:
            raise ValueError(
                f"{type(self).__name__} supports dilation=1 only, got dilation={dilation!r}"
            )
        check_flag(return_indices, "return_indices")
        if return_indices:
            raise ValueError(f"{type(self).__name__} does not support return_indices=True")
        super().__init__(kernel_size, stride, padding, ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation=1, ceil_mode={self.ceil_mode}"
        )


class _MaxPoolNd(_ExtremePoolNd):
    def _forward(self, x):
        return max_pool_forward(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)

    _backward = staticmethod(max_pool_backward)


class _MinPoolNd(_ExtremePoolNd):
    def _forward(self, x):
        return min_pool_forward(x, self.kernel_size, self.stride, self.padding, self.ceil_mode)

    _backward = staticmethod(max_pool_backward)


class _AvgPoolNd(_PoolNd):
    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
    ):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        if count_include_pad not in (True, False):
            raise TypeError(f"count_include_pad must be True or False, got {count_include_pad!r}")
        self.count_include_pad = bool(count_include_pad)

    def _forward(self, x):
        return avg_pool_forward(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    _backward = staticmethod(avg_pool_backward)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", count_include_pad={self.count_include_pad}"


class MaxPool1d(_MaxPoolNd):
    """Max over windows of (N, C, W)."""

    ndim = 1


class MaxPool2d(_MaxPoolNd):
    """Max over windows of (N, C, H, W)."""

    ndim = 2


class MaxPool3d(_MaxPoolNd):
    """Max over windows of (N, C, D, H, W)."""

    ndim = 3


class MinPool1d(_MinPoolNd):
    """Min over windows of (N, C, W)."""

    ndim = 1


class MinPool2d(_MinPoolNd):
    """Min over windows of (N, C, H, W)."""

    ndim = 2


class MinPool3d(_MinPoolNd):
    """Min over windows of (N, C, D, H, W)."""

    ndim = 3


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of (N, C, W)."""

    ndim = 1


class AvgPool2d(_AvgPoolNd):
    """Mean over windows of (N, C, H, W)."""

    ndim = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over windows of (N, C, D, H, W)."""

    ndim = 3


class GlobalAvgPool(OpLayer):
    """Mean over all spatial positions: (N, C, *S) → (N, C)."""

    _forward = staticmethod(global_avg_pool_forward)
    _backward = staticmethod(global_avg_pool_backward)


class GlobalMaxPool(OpLayer):
    """Max over all spatial positions: (N, C, *S) → (N, C)."""

    _forward = staticmethod(global_max_pool_forward)
    _backward = staticmethod(global_max_pool_backward)
