"""The package-wide random generator: parameter initialisation draws from it.

``minicnn.manual_seed(seed)`` makes every later draw reproducible, like ``torch.manual_seed``.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Restart the package-wide generator from ``seed``."""
    global _generator
    _generator = np.random.default_rng(seed)


def get_generator() -> np.random.Generator:
    """The generator that layers draw their initial weights from."""
    return _generator
