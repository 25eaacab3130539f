"""CSV files in the layout of Sign-Language MNIST: a header, then one image per row — a
``label`` column followed by the pixels of a square image (784 for 28×28), 0–255."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .dataset import Dataset


def load_csv(path, classes: int | None = None) -> Dataset:
    """x (N, 1, S, S) float32 in [0, 1] and y (N,) int64 from ``path``.

    ``classes`` defaults to the largest label + 1 (25 for Sign-Language MNIST, whose labels
    0–24 skip 9, the letter J, which needs motion). Raises ``ValueError`` naming the file for a
    wrong header, a non-numeric or short row, a non-square pixel count or a bad label.
    """
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as file:
            header = file.readline().strip().split(",")
            has_rows = any(line.strip() for line in file)
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not a text file ({error.reason})") from error
    if not header or header[0] != "label":
        raise ValueError(f"{path}: the first column must be 'label', got header {header[:3]}...")
    side = math.isqrt(len(header) - 1)
    if side * side != len(header) - 1 or side == 0:
        raise ValueError(f"{path}: {len(header) - 1} pixel columns do not make a square image")
    if not has_rows:
        raise ValueError(f"{path}: no rows after the header")
    try:
        table = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except ValueError as error:
        raise ValueError(f"{path}: {_first_bad_row(path, len(header)) or error}") from error
    if table.shape[1] != len(header):
        raise ValueError(f"{path}: rows have {table.shape[1]} columns, the header {len(header)}")
    labels = table[:, 0]
    if np.any(labels != np.round(labels)) or np.any(labels < 0):
        raise ValueError(f"{path}: labels must be non-negative integers")
    labels = labels.astype(np.int64)
    classes = int(labels.max()) + 1 if classes is None else classes
    if labels.max() >= classes:
        raise ValueError(f"{path}: label {labels.max()} outside [0, {classes})")
    x = (table[:, 1:] / 255.0).astype(np.float32).reshape(-1, 1, side, side)
    return Dataset(x, labels, classes, path.name)


def _first_bad_row(path: Path, columns: int) -> str | None:
    """Which row of ``path`` has the wrong number of columns, if one has (rows count from 1
    after the header)."""
    with open(path, encoding="utf-8") as file:
        next(file)
        for row, line in enumerate(file, start=1):
            found = len(line.strip().split(","))
            if line.strip() and found != columns:
                return f"row {row} has {found} columns, the header {columns}"
    return None
