"""The embedded default data: scikit-learn's 1,797 handwritten digits (8×8, 10 classes).

They ship inside scikit-learn, so no network is needed. The held-out test split is fixed: a
stratified 20% chosen with seed 0, the same on every machine.

``size`` > 8 scales each digit up (bilinear) to (size − 8)² and pads it by 4 pixels, the way
MNIST frames its 20×20 digits in 28×28 images: ``size=28`` suits the seeds' 2-d networks.
"""

from __future__ import annotations

import numpy as np

from .dataset import Dataset

TEST_FRACTION = 0.2


def load_digits(size: int = 8) -> tuple[Dataset, Dataset]:
    """(train, test): x (N, 1, size, size) float32 in [0, 1], y (N,) int64; 1,437 / 360."""
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    images = digits.images / 16.0
    if size != 8:
        if size < 16:
            raise ValueError(f"size must be 8 or at least 16, got {size}")
        images = zoom(images, (1, (size - 8) / 8, (size - 8) / 8), order=1)
        images = np.pad(np.clip(images, 0, 1), [(0, 0), (4, 4), (4, 4)])
    x = images.astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, random_state=0, stratify=y
    )
    return (
        Dataset(x_train, y_train, 10, "digits (train)"),
        Dataset(x_test, y_test, 10, "digits (test)"),
    )
