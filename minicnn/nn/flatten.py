"""``Flatten``: merge the axes start_dim..end_dim into one, e.g. (N, C, H, W) → (N, C·H·W).

The reshape lives in ``ops/flatten.py``; the layer has no parameters.
"""

from __future__ import annotations

from ..ops.flatten import check_dim, flatten_backward, flatten_forward
from .module import OpLayer


class Flatten(OpLayer):
    """Flatten axes ``start_dim`` to ``end_dim`` (inclusive; negative counts from the end).

    The defaults keep the batch axis: (N, *rest) → (N, Π rest), the step between the
    convolutional part of a network and its Linear layers.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = check_dim(start_dim, "start_dim")
        self.end_dim = check_dim(end_dim, "end_dim")

    def _forward(self, x):
        """x: (d0, …, dn) → the same values with axes start_dim..end_dim merged."""
        return flatten_forward(x, self.start_dim, self.end_dim)

    _backward = staticmethod(flatten_backward)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
