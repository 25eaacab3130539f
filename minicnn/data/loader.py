"""``DataLoader``: batches from a ``Dataset``, in order or shuffled from a seed."""

from __future__ import annotations

import math

import numpy as np

from ..ops.geometry import as_int
from .dataset import Dataset


class DataLoader:
    """Iterate over ``(x, y)`` batches of ``dataset``.

    shuffle:   a new order every epoch, drawn from a generator seeded with ``seed`` (the same
               seed gives the same sequence of epochs)
    drop_last: leave out the last batch when it is smaller than ``batch_size``
    transform: ``transform(x_batch, rng) -> x_batch`` applied to each batch (see ``transforms``)
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        transform=None,
    ):
        self.dataset = dataset
        self.batch_size = as_int(batch_size, "batch_size", 1)
        self.shuffle, self.drop_last, self.transform = bool(shuffle), bool(drop_last), transform
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for batch in range(len(self)):
            chosen = order[batch * self.batch_size : (batch + 1) * self.batch_size]
            x = self.dataset.x[chosen]
            if self.transform is not None:
                x = self.transform(x, self._rng)
            yield x, self.dataset.y[chosen]
