"""MNIST-1D (Greydanus, 2020): 1-d signals of 40 samples, 10 classes, generated locally by the
``mnist1d`` package with the paper's default arguments (4,000 train / 1,000 test)."""

from __future__ import annotations

import random

import numpy as np

from .dataset import Dataset


def load_mnist1d() -> tuple[Dataset, Dataset]:
    """(train, test): x (N, 1, 40) float32, y (N,) int64."""
    from mnist1d.data import get_dataset_args, make_dataset

    # mnist1d seeds NumPy's and Python's global generators; put them back afterwards.
    numpy_state, python_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    try:
        data = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002
        random.setstate(python_state)
    return (
        Dataset(
            data["x"].astype(np.float32)[:, None], data["y"].astype(np.int64), 10, "mnist1d (train)"
        ),
        Dataset(
            data["x_test"].astype(np.float32)[:, None],
            data["y_test"].astype(np.int64),
            10,
            "mnist1d (test)",
        ),
    )
