"""Batch transforms: each is called as ``transform(x, rng)`` on a batch x (N, C, *spatial)
and returns a new batch (the input is never modified)."""

from __future__ import annotations

import numpy as np

from ..ops.geometry import as_int


class Compose:
    """Apply transforms in order."""

    def __init__(self, *transforms):
        self.transforms = transforms

    def __call__(self, x, rng):
        for transform in self.transforms:
            x = transform(x, rng)
        return x


class Normalize:
    """(x − mean[c]) / std[c] per channel."""

    def __init__(self, mean, std):
        self.mean, self.std = np.atleast_1d(mean), np.atleast_1d(std)
        if np.any(self.std <= 0):
            raise ValueError(f"std must be > 0, got {std}")

    def __call__(self, x, rng):
        shape = (1, -1, *([1] * (x.ndim - 2)))
        mean, std = self.mean.reshape(shape), self.std.reshape(shape)
        return ((x - mean) / std).astype(x.dtype)


class RandomHorizontalFlip:
    """Mirror each image left–right (the last axis) with probability ``p``."""

    def __init__(self, p: float = 0.5):
        if not 0 <= p <= 1:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.p = p

    def __call__(self, x, rng):
        flip = rng.random(len(x)) < self.p
        out = x.copy()
        out[flip] = x[flip][..., ::-1]
        return out


class RandomCrop:
    """Pad every spatial axis with ``padding`` zeros, then cut a random window of ``size``
    (an int or one per axis) from each image."""

    def __init__(self, size, padding: int = 0):
        self.size, self.padding = size, as_int(padding, "padding", 0)

    def __call__(self, x, rng):
        spatial = x.shape[2:]
        size = (self.size,) * len(spatial) if isinstance(self.size, int) else tuple(self.size)
        padded = np.pad(x, [(0, 0), (0, 0), *[(self.padding, self.padding)] * len(spatial)])
        limits = [p - s for p, s in zip(padded.shape[2:], size)]
        if min(limits) < 0:
            raise ValueError(f"crop {size} larger than the padded image {padded.shape[2:]}")
        out = np.empty((*x.shape[:2], *size), x.dtype)
        for i in range(len(x)):
            start = [rng.integers(0, limit + 1) for limit in limits]
            window = tuple(slice(b, b + s) for b, s in zip(start, size))
            out[i] = padded[(i, slice(None), *window)]
        return out
