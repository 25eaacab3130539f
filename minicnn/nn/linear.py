"""The fully-connected layer ``Linear``: y = x @ weightᵀ + bias over the last axis.

The weight is ``(out_features, in_features)`` as in PyTorch, initialised as PyTorch does; the
arithmetic lives in ``ops/linear.py``.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops.geometry import as_int
from ..ops.linear import linear_backward, linear_forward
from . import init
from .module import Module, Parameter


class Linear(Module):
    """Affine map of the last axis: (N, *, in_features) → (N, *, out_features).

    Parameters: ``weight`` (out_features, in_features) and, unless ``bias=False``,
    ``bias`` (out_features,), both float32: in_features·out_features + out_features numbers.
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = as_int(in_features, "in_features", 1)
        self.out_features = as_int(out_features, "out_features", 1)
        if bias not in (True, False):
            raise TypeError(f"bias must be True or False, got {bias!r}")
        self.weight = Parameter(np.empty((self.out_features, self.in_features), np.float32))
        self.bias = Parameter(np.empty(self.out_features, np.float32)) if bias else None
        self.reset_parameters()
        self._cache = None

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=√5) for the weight, i.e. U(±1/√in_features),
        and the same bound for the bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        """x: (N, *, in_features) → (N, *, out_features), in x's dtype."""
        bias = None if self.bias is None else self.bias.data
        y, self._cache = linear_forward(x, self.weight.data, bias)
        return y

    def backward(self, grad_out):
        """grad_out: (N, *, out_features) → dx: (N, *, in_features); adds into weight.grad and
        bias.grad."""
        if self._cache is None:
            raise RuntimeError("backward() called before forward()")
        dx, dweight, dbias = linear_backward(grad_out, self._cache)
        self.weight.accumulate_grad(dweight)
        if self.bias is not None:
            self.bias.accumulate_grad(dbias)
        return dx

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
