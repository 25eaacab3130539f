"""Data: the embedded digits, MNIST-1D, IDX and CSV readers, synthetic volumes, batching and
transforms. Every loader returns ``(train, test)`` ``Dataset``s of float32 inputs
(N, C, *spatial) and int64 labels."""

from .csv import load_csv
from .dataset import Dataset, split, standardize
from .digits import load_digits
from .idx import load_idx, read_idx
from .loader import DataLoader
from .mnist1d import load_mnist1d
from .transforms import Compose, Normalize, RandomCrop, RandomHorizontalFlip
from .volumes import make_volumes

__all__ = [
    "Compose",
    "DataLoader",
    "Dataset",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "load_csv",
    "load_digits",
    "load_idx",
    "load_mnist1d",
    "make_volumes",
    "read_idx",
    "split",
    "standardize",
]
