"""The IDX format of MNIST, Fashion-MNIST and KMNIST, raw or gzip-compressed.

An IDX file is a 4-byte header — two zero bytes, a type code, the number of dimensions —
then one big-endian uint32 per dimension, then the values, big-endian, row-major:

    type code   0x08 uint8   0x09 int8   0x0B int16   0x0C int32   0x0D float32   0x0E float64
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from .dataset import Dataset

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path) -> np.ndarray:
    """The array stored in an IDX file (``.gz`` is decompressed). Raises ``ValueError``
    naming the file for a bad header, a truncated body or trailing bytes."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as file:
            content = file.read()
    except (OSError, EOFError) as error:  # gzip reports truncation as EOFError or OSError
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(f"{path}: cannot read: {error}") from error
    if len(content) < 4 or content[:2] != b"\0\0" or content[2] not in _TYPES:
        raise ValueError(f"{path}: not an IDX file (header {content[:4]!r})")
    ndim = content[3]
    header_size = 4 + 4 * ndim
    if len(content) < header_size:
        raise ValueError(f"{path}: truncated header")
    shape = tuple(int(n) for n in np.frombuffer(content, ">u4", ndim, offset=4))
    dtype = np.dtype(_TYPES[content[2]])
    expected = header_size + int(np.prod(shape)) * dtype.itemsize
    if len(content) != expected:
        raise ValueError(
            f"{path}: header promises {shape} values of {dtype.name} ({expected} bytes), but "
            f"the file has {len(content)} bytes"
        )
    return (
        np.frombuffer(content, dtype, offset=header_size)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def load_idx(folder, classes: int = 10) -> tuple[Dataset, Dataset]:
    """(train, test) from the four standard files in ``folder`` (each raw or ``.gz``).

    Images become x (N, 1, H, W) float32 (uint8 pixels scaled to [0, 1]); labels y (N,)
    int64 must be in [0, classes) and as many as the images.
    """
    folder = Path(folder)
    splits = []
    for split, (images_name, labels_name) in _FILES.items():
        images_path, labels_path = _find(folder, images_name), _find(folder, labels_name)
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3:
            raise ValueError(f"{images_path}: expected images (N, H, W), got shape {images.shape}")
        if labels.shape != (len(images),):
            raise ValueError(
                f"{labels_path}: {labels.shape} labels for the {len(images)} images of "
                f"{images_path.name}"
            )
        if labels.size and labels.max() >= classes:
            raise ValueError(f"{labels_path}: label {labels.max()} outside [0, {classes})")
        x = images.astype(np.float32)[:, None]
        if images.dtype == np.uint8:
            x /= 255.0
        splits.append(Dataset(x, labels.astype(np.int64), classes, f"{folder.name} ({split})"))
    return splits[0], splits[1]


def _find(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{folder}: neither {name} nor {name}.gz is there")
