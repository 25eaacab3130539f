"""Shape arithmetic for building models."""

from __future__ import annotations

import math

import numpy as np


def flattened_size(features, input_shape) -> int:
    """Number of values per example after ``features``: one forward pass on a zero input."""
    return math.prod(features(np.zeros((1, *input_shape), np.float32)).shape[1:])
