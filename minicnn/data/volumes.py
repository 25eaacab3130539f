"""Synthetic 3-d volumes for Conv3d: small voxel shapes of four classes, made from a seed.

Each volume is a (1, S, S, S) grid with one shape at a random place and size, plus noise:

    0 cube    1 sphere    2 rod along a random axis    3 hollow shell (a sphere's surface)
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset

SHAPES = ("cube", "sphere", "rod", "shell")


def make_volumes(
    train: int = 800, test: int = 200, size: int = 12, noise: float = 0.1, seed: int = 0
) -> tuple[Dataset, Dataset]:
    """(train, test): x (N, 1, size, size, size) float32, y (N,) int64 in [0, 4)."""
    if size < 6:
        raise ValueError(f"size must be >= 6 for the shapes to be told apart, got {size}")
    rng = np.random.default_rng(seed)
    x, y = _volumes(train + test, size, noise, rng)
    return (
        Dataset(x[:train], y[:train], len(SHAPES), "volumes (train)"),
        Dataset(x[train:], y[train:], len(SHAPES), "volumes (test)"),
    )


def _volumes(count, size, noise, rng):
    grid = np.indices((size, size, size)).astype(np.float32)  # (3, S, S, S) voxel coordinates
    labels = rng.integers(0, len(SHAPES), count)
    volumes = np.empty((count, 1, size, size, size), np.float32)
    for i, label in enumerate(labels):
        radius = rng.uniform(size / 6, size / 3.5)
        centre = rng.uniform(radius, size - 1 - radius, 3).reshape(3, 1, 1, 1)
        offset = grid - centre
        distance = np.sqrt((offset**2).sum(axis=0))
        if SHAPES[label] == "cube":
            solid = np.abs(offset).max(axis=0) <= radius * 0.8
        elif SHAPES[label] == "sphere":
            solid = distance <= radius
        elif SHAPES[label] == "rod":
            axis = rng.integers(0, 3)
            across = np.sqrt(sum(offset[a] ** 2 for a in range(3) if a != axis))
            solid = across <= max(1.0, radius / 3)
        else:
            solid = np.abs(distance - radius) <= 0.75
        volumes[i, 0] = solid + rng.normal(0, noise, solid.shape)
    return volumes, labels.astype(np.int64)
