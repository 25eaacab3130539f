"""Transposed convolution layers: ``ConvTranspose1d``, ``ConvTranspose2d``, ``ConvTranspose3d``.

The upsampling layers of segmentation networks (FCN, U-Net): a ``ConvTranspose2d`` with
``kernel_size=4, stride=2, padding=1`` doubles the height and width. The layer holds the weight
``(C_in, C_out/groups, *kernel_size)`` — PyTorch's layout, input channels first — and bias
``(C_out,)``, checks its hyperparameters at construction, and leaves the arithmetic to
``ops/conv_transpose.py``. Output size per axis:

    O = (S − 1)·stride − 2·padding + dilation·(K − 1) + output_padding + 1
"""

from __future__ import annotations

import math

import numpy as np

from ..ops.conv_transpose import (
    check_output_padding,
    conv_transpose_backward,
    conv_transpose_forward,
)
from ..ops.geometry import as_int, as_tuple
from . import init
from .module import Module, Parameter


class _ConvTransposeNd(Module):
    """Transposed convolution over ``ndim`` spatial axes (set by each subclass)."""

    ndim: int

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
    ):
        super().__init__()
        ndim = self.ndim
        self.in_channels = as_int(in_channels, "in_channels", 1)
        self.out_channels = as_int(out_channels, "out_channels", 1)
        self.kernel_size = as_tuple(kernel_size, ndim, "kernel_size", 1)
        self.stride = as_tuple(stride, ndim, "stride", 1)
        self.padding = as_tuple(padding, ndim, "padding", 0)
        self.dilation = as_tuple(dilation, ndim, "dilation", 1)
        self.output_padding = check_output_padding(output_padding, self.stride, self.dilation)
        self.groups = as_int(groups, "groups", 1)
        for name in ("in_channels", "out_channels"):
            if getattr(self, name) % self.groups:
                raise ValueError(
                    f"{name} ({getattr(self, name)}) must be divisible by groups ({self.groups})"
                )
        if bias not in (True, False):
            raise TypeError(f"bias must be True or False, got {bias!r}")
        bias = bool(bias)

        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, np.float32))
        self.bias = Parameter(np.empty(self.out_channels, np.float32)) if bias else None
        self.reset_parameters()
        self._cache = None

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=√5) for the weight, i.e. U(±1/√fan_in), and
        the same bound for the bias. fan_in is computed from the weight's shape as for any
        convolution, weight.shape[1]·ΠK — here C_out/groups·ΠK, as PyTorch does."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(init.calculate_fan_in_and_fan_out(self.weight.shape)[0])
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        """x: (N, C_in, *S) → (N, C_out, *O), in x's dtype."""
        bias = None if self.bias is None else self.bias.data
        y, self._cache = conv_transpose_forward(
            x,
            self.weight.data,
            bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )
        return y

    def backward(self, grad_out):
        """grad_out: (N, C_out, *O) → dx: (N, C_in, *S); adds into weight.grad and bias.grad."""
        if self._cache is None:
            raise RuntimeError("backward() called before forward()")
        dx, dweight, dbias = conv_transpose_backward(grad_out, self._cache)
        self.weight.accumulate_grad(dweight)
        if self.bias is not None:
            self.bias.accumulate_grad(dbias)
        return dx

    def extra_repr(self) -> str:
        text = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.ndim:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.ndim:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.ndim:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution: (N, C_in, W) → (N, C_out, W_out)."""

    ndim = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution: (N, C_in, H, W) → (N, C_out, H_out, W_out)."""

    ndim = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution: (N, C_in, D, H, W) → (N, C_out, D_out, H_out, W_out)."""

    ndim = 3
