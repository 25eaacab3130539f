"""The embedded default data: scikit-learn's 1,797 handwritten digits (8×8, 10 classes).

They ship inside scikit-learn, so no network is needed. The held-out test split is fixed: a
stratified 20% chosen with seed 0, the same on every machine.
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset

TEST_FRACTION = 0.2


def load_digits() -> tuple[Dataset, Dataset]:
    """(train, test): x (N, 1, 8, 8) float32 in [0, 1], y (N,) int64; 1,437 / 360 images."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=0, stratify=y
    )
    return (
        Dataset(x_train, y_train, 10, "digits (train)"),
        Dataset(x_test, y_test, 10, "digits (test)"),
    )
