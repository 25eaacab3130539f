"""Activation layers: ReLU, LeakyReLU, Sigmoid, Tanh, Softmax and LogSoftmax.

None has parameters: each is an ``OpLayer`` around a forward/backward pair from
``minicnn.ops``, where the formulas are. Input of any shape; output of the same shape and dtype.
"""

from __future__ import annotations

from ..ops.relu import (
    check_negative_slope,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
)
from ..ops.sigmoid import sigmoid_backward, sigmoid_forward
from ..ops.softmax import (
    check_dim,
    log_softmax_backward,
    log_softmax_forward,
    softmax_backward,
    softmax_forward,
)
from ..ops.tanh import tanh_backward, tanh_forward
from .module import OpLayer


class ReLU(OpLayer):
    """y = max(x, 0). The gradient at x == 0 is taken as 0, as in PyTorch."""

    _forward = staticmethod(relu_forward)
    _backward = staticmethod(relu_backward)


class LeakyReLU(OpLayer):
    """y = x for x > 0, negative_slope·x otherwise (slope passed back at x == 0, as PyTorch)."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = check_negative_slope(negative_slope)

    def _forward(self, x):
        return leaky_relu_forward(x, self.negative_slope)

    _backward = staticmethod(leaky_relu_backward)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(OpLayer):
    """y = 1 / (1 + e^(−x)), computed without overflow for large |x|."""

    _forward = staticmethod(sigmoid_forward)
    _backward = staticmethod(sigmoid_backward)


class Tanh(OpLayer):
    """y = tanh(x)."""

    _forward = staticmethod(tanh_forward)
    _backward = staticmethod(tanh_backward)


class Softmax(OpLayer):
    """y = e^x / Σ e^x along ``dim`` (default 1, the class axis of (N, C, …)); any dim,
    negative ones counting from the end. PyTorch's default ``dim=None`` instead picks the
    dimension by rank (0 for 1-d and 3-d inputs), with a deprecation warning."""

    def __init__(self, dim=1):
        super().__init__()
        self.dim = check_dim(dim)

    def _forward(self, x):
        return softmax_forward(x, self.dim)

    _backward = staticmethod(softmax_backward)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(OpLayer):
    """z = x − log Σ e^x along ``dim`` (default 1, not PyTorch's rank-dependent ``None``; see
    ``Softmax``): log-probabilities, computed stably."""

    def __init__(self, dim=1):
        super().__init__()
        self.dim = check_dim(dim)

    def _forward(self, x):
        return log_softmax_forward(x, self.dim)

    _backward = staticmethod(log_softmax_backward)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
