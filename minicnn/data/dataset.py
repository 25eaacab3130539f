"""``Dataset``: images and labels held as two arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Dataset:
    """Inputs ``x`` (N, C, *spatial) float32 and integer labels ``y`` (N,) in [0, classes).

    ``name`` says where the data came from (used in messages and metrics).
    """

    x: np.ndarray
    y: np.ndarray
    classes: int
    name: str = "dataset"

    def __post_init__(self):
        if self.x.ndim < 3:
            raise ValueError(f"{self.name}: x must be (N, C, *spatial), got shape {self.x.shape}")
        if self.y.shape != (len(self.x),):
            raise ValueError(
                f"{self.name}: {len(self.x)} inputs but labels of shape {self.y.shape}"
            )
        if not np.issubdtype(self.y.dtype, np.integer):
            raise TypeError(f"{self.name}: labels must be integers, got dtype {self.y.dtype}")
        if len(self.y) and (self.y.min() < 0 or self.y.max() >= self.classes):
            raise ValueError(
                f"{self.name}: labels must lie in [0, {self.classes}), got "
                f"[{self.y.min()}, {self.y.max()}]"
            )

    def __len__(self) -> int:
        return len(self.y)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """(C, *spatial) of one example."""
        return tuple(self.x.shape[1:])
