"""Dropout layers: ``Dropout`` zeroes single elements, ``Dropout1d/2d/3d`` whole channels.

Both are inverted dropout: in training mode what is kept is scaled by 1/(1 − p), so in
evaluation mode (``layer.eval()``) the layer is the identity. Masks are drawn from the
package-wide generator, so ``minicnn.manual_seed`` makes them reproducible. The arithmetic
lives in ``ops/dropout.py``.
"""

from __future__ import annotations

from ..ops.checks import check_input, spatial_layout
from ..ops.dropout import (
    channel_dropout_backward,
    channel_dropout_forward,
    check_probability,
    dropout_backward,
    dropout_forward,
)
from .module import OpLayer


class Dropout(OpLayer):
    """In training, zero each element with probability p and scale the rest by 1/(1 − p).

    Input of any shape (a fresh mask on every call); in evaluation mode the output is the
    input itself.
    """

    def __init__(self, p=0.5):
        super().__init__()
        self.p = check_probability(p)

    def _forward(self, x):
        return dropout_forward(x, self.p, self.training)

    _backward = staticmethod(dropout_backward)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _DropoutNd(Dropout):
    """Channel dropout over inputs (N, C, *spatial) with ``ndim`` spatial axes: each x[n, c]
    is kept (and scaled) or zeroed whole."""

    ndim: int

    def _forward(self, x):
        check_input(x, self.ndim, None, spatial_layout(self.ndim))
        return channel_dropout_forward(x, self.p, self.training)

    _backward = staticmethod(channel_dropout_backward)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) with probability p (scale the rest by 1/(1 − p))."""

    ndim = 1


class Dropout2d(_DropoutNd):
    """Zero whole feature maps of (N, C, H, W) with probability p (LeNet's conv dropout)."""

    ndim = 2


class Dropout3d(_DropoutNd):
    """Zero whole volumes of (N, C, D, H, W) with probability p."""

    ndim = 3
