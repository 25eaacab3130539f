"""Transposed convolution layers: ``ConvTranspose1d``, ``ConvTranspose2d``, ``ConvTranspose3d``.

The upsampling layers of segmentation networks (FCN, U-Net): a ``ConvTranspose2d`` with
``kernel_size=4, stride=2, padding=1`` doubles the height and width. The layer holds the weight
``(C_in, C_out/groups, *kernel_size)`` — PyTorch's layout, input channels first — and bias
``(C_out,)``, checks its hyperparameters at construction, and leaves the arithmetic to
``ops/conv_transpose.py``. Output size per axis:

    O = (S − 1)·stride − 2·padding + dilation·(K − 1) + output_padding + 1

What it shares with ``Conv1d/2d/3d`` lives in ``_ConvBase`` (``nn/conv.py``); this file adds
the padding rules, ``output_padding``, the weight layout and the op pair.
"""

from __future__ import annotations

from ..ops.conv_transpose import (
    check_output_padding,
    conv_transpose_backward,
    conv_transpose_forward,
)
from ..ops.geometry import as_tuple
from .conv import _ConvBase


class _ConvTransposeNd(_ConvBase):
    """Transposed convolution over ``ndim`` spatial axes (set by each subclass)."""

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
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias
        )
        self.output_padding = check_output_padding(output_padding, self.stride, self.dilation)

    def _check_padding(self, padding) -> tuple[int, ...]:
        """An int or a per-axis tuple (>= 0), removed from both sides of the output; no
        'same' or 'valid'."""
        return as_tuple(padding, self.ndim, "padding", 0)

    def _weight_shape(self) -> tuple[int, ...]:
        return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)

    def _forward_op(self, x, weight, bias):
        return conv_transpose_forward(
            x,
            weight,
            bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )

    def _backward_op(self, grad_out, cache):
        return conv_transpose_backward(grad_out, cache)

    def _extra_settings_repr(self) -> str:
        if self.output_padding != (0,) * self.ndim:
            return f", output_padding={self.output_padding}"
        return ""


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution: (N, C_in, W) → (N, C_out, W_out)."""

    ndim = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution: (N, C_in, H, W) → (N, C_out, H_out, W_out)."""

    ndim = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution: (N, C_in, D, H, W) → (N, C_out, D_out, H_out, W_out)."""

    ndim = 3
