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


def split(dataset: Dataset, fraction: float, seed: int = 0) -> tuple[Dataset, Dataset]:
    """(rest, held out): a random ``fraction`` of ``dataset`` held out, chosen with ``seed``."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    order = np.random.default_rng(seed).permutation(len(dataset))
    cut = len(dataset) - max(1, round(fraction * len(dataset)))
    keep, held = order[:cut], order[cut:]
    return (
        Dataset(dataset.x[keep], dataset.y[keep], dataset.classes, f"{dataset.name} (train)"),
        Dataset(dataset.x[held], dataset.y[held], dataset.classes, f"{dataset.name} (test)"),
    )


def standardize(train: Dataset, test: Dataset) -> tuple[Dataset, Dataset]:
    """Both sets shifted and scaled by the training set's mean and standard deviation, so the
    network sees inputs of mean 0 and variance 1 (the test set is never looked at for this)."""
    mean, std = float(train.x.mean()), float(train.x.std())
    return tuple(
        Dataset(((d.x - mean) / std).astype(np.float32), d.y, d.classes, d.name)
        for d in (train, test)
    )
