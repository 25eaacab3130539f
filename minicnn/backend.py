"""Array-module dispatch: the same op code runs on NumPy and CuPy arrays.

Every op asks ``get_array_module(x)`` for ``xp`` and allocates with ``xp.zeros``/``xp.empty``,
so a CuPy input keeps all its work on the GPU. CuPy is never imported here: an array is
recognised as CuPy's by the module its type comes from, so ``import minicnn`` works without
CuPy installed.
"""

from __future__ import annotations

import sys

import numpy as np


def get_array_module(*arrays):
    """Return ``cupy`` if any argument is a ``cupy.ndarray``, else ``numpy``."""
    for array in arrays:
        if type(array).__module__.startswith("cupy"):
            return sys.modules["cupy"]
    return np


def to_numpy(array):
    """The contents of a NumPy or CuPy array as a NumPy array (copied off the GPU)."""
    return array.get() if type(array).__module__.startswith("cupy") else np.asarray(array)


def copy_like(value, target):
    """A copy of array ``value`` with the dtype and array module (NumPy or CuPy) of
    ``target``: how saved state is loaded back into parameters, buffers and optimizers."""
    xp = get_array_module(target)
    return xp.array(to_numpy(value) if xp is np else value, dtype=target.dtype)
