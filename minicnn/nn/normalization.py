"""``LocalResponseNorm``: AlexNet's normalisation across neighbouring channels.

    y_c = x_c · (k + alpha/size · Σ_{c' ∈ window(c)} x_{c'}²)^(−beta)

with the window ``c − size//2 … c + (size − 1)//2`` (PyTorch's), zeros beyond the channels.
No parameters; the arithmetic lives in ``ops/local_response_norm.py``.
"""

from __future__ import annotations

from ..ops.local_response_norm import (
    check_local_response_norm_arguments,
    local_response_norm_backward,
    local_response_norm_forward,
)
from .module import OpLayer


class LocalResponseNorm(OpLayer):
    """x: (N, C, *S), at least 3-d → y of the same shape and dtype."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = check_local_response_norm_arguments(
            size, alpha, beta, k
        )

    def _forward(self, x):
        return local_response_norm_forward(x, self.size, self.alpha, self.beta, self.k)

    _backward = staticmethod(local_response_norm_backward)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
