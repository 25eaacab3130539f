"""Convolution layers: ``Conv1d``, ``Conv2d`` and ``Conv3d`` share one N-d implementation.

The layer holds the weight ``(C_out, C_in/groups, *kernel_size)`` and bias ``(C_out,)`` and
checks its hyperparameters once, at construction; the arithmetic lives in ``ops/conv.py``.
What it shares with the transposed convolutions of ``nn/conv_transpose.py`` (checking
channels, kernel, stride, dilation, groups and bias, creating and initialising the
parameters, the backward pass, most of the repr) is written once, in ``_ConvBase``.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops.conv import conv_backward, conv_forward
from ..ops.geometry import as_int, as_tuple, resolve_padding
from . import init
from .module import Module, Parameter


class _ConvBase(Module):
    """What a convolution and a transposed convolution have in common.

    A subclass sets ``ndim`` (the number of spatial axes) and supplies the parts that differ:

    - ``_check_padding(padding)``: the padding to keep, checked;
    - ``_weight_shape()``: the layout of the weight;
    - ``_forward_op(x, weight, bias)`` and ``_backward_op(grad_out, cache)``: the op pair;
    - ``_extra_settings_repr()``, optionally: settings of its own for the repr.
    """

    ndim: int

    def __init__(
        self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
    ):
        super().__init__()
        ndim = self.ndim
        self.in_channels = as_int(in_channels, "in_channels", 1)
        self.out_channels = as_int(out_channels, "out_channels", 1)
        self.kernel_size = as_tuple(kernel_size, ndim, "kernel_size", 1)
        self.stride = as_tuple(stride, ndim, "stride", 1)
        self.dilation = as_tuple(dilation, ndim, "dilation", 1)
        self.padding = self._check_padding(padding)
        self.groups = as_int(groups, "groups", 1)
        for name in ("in_channels", "out_channels"):
            if getattr(self, name) % self.groups:
                raise ValueError(
                    f"{name} ({getattr(self, name)}) must be divisible by groups ({self.groups})"
                )
        if bias not in (True, False):
            raise TypeError(f"bias must be True or False, got {bias!r}")
        bias = bool(bias)

        self.weight = Parameter(np.empty(self._weight_shape(), np.float32))
        self.bias = Parameter(np.empty(self.out_channels, np.float32)) if bias else None
        self.reset_parameters()
        self._cache = None

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=√5) for the weight, i.e. U(±1/√fan_in), and
        the same bound for the bias. fan_in is read off the weight's shape, weight.shape[1]·ΠK:
        C_in/groups·ΠK for a convolution, C_out/groups·ΠK for a transposed one, as PyTorch
        does."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(init.calculate_fan_in_and_fan_out(self.weight.shape)[0])
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        """x: (N, C_in, *S) → (N, C_out, *O), in x's dtype."""
        bias = None if self.bias is None else self.bias.data
        y, self._cache = self._forward_op(x, self.weight.data, bias)
        return y

    def backward(self, grad_out):
        """grad_out: (N, C_out, *O) → dx: (N, C_in, *S); adds into weight.grad and bias.grad."""
        if self._cache is None:
            raise RuntimeError("backward() called before forward()")
        dx, dweight, dbias = self._backward_op(grad_out, self._cache)
        self.weight.accumulate_grad(dweight)
        if self.bias is not None:
            self.bias.accumulate_grad(dbias)
        return dx

    def extra_repr(self) -> str:
        """PyTorch's text: channels, kernel_size and stride, then each other setting that is
        not at its default."""
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.ndim:  # 'same' and 'valid' printed bare, as PyTorch
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.ndim:
            text += f", dilation={self.dilation}"
        text += self._extra_settings_repr()
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text

    def _extra_settings_repr(self) -> str:
        """Settings only this family has, for ``extra_repr`` (placed after dilation)."""
        return ""


class _ConvNd(_ConvBase):
    """Convolution over ``ndim`` spatial axes (set by each subclass)."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
    ):
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
        )

    def _check_padding(self, padding):
        """An int, a per-axis tuple, 'same' (stride 1 only) or 'valid'; a string is kept as
        given, and every kind is checked by resolving it once."""
        if not isinstance(padding, str):
            padding = as_tuple(padding, self.ndim, "padding", 0)
        resolve_padding(padding, self.kernel_size, self.stride, self.dilation)
        return padding

    def _weight_shape(self) -> tuple[int, ...]:
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    def _forward_op(self, x, weight, bias):
        return conv_forward(x, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def _backward_op(self, grad_out, cache):
        return conv_backward(grad_out, cache)


class Conv1d(_ConvNd):
    """1-d convolution: (N, C_in, W) → (N, C_out, W_out)."""

    ndim = 1


class Conv2d(_ConvNd):
    """2-d convolution: (N, C_in, H, W) → (N, C_out, H_out, W_out)."""

    ndim = 2


class Conv3d(_ConvNd):
    """3-d convolution: (N, C_in, D, H, W) → (N, C_out, D_out, H_out, W_out)."""

    ndim = 3
