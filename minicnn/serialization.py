"""Save and load a ``state_dict()`` as a ``.npz`` file: portable, and never unpickled.

    mc.save(model.state_dict(), "model.npz")
    model.load_state_dict(mc.load("model.npz"))

``save`` writes to a temporary file beside the target and renames it into place, so a crash
mid-write leaves either the old checkpoint or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .backend import to_numpy


def save(state: dict, path) -> None:
    """Write ``state`` (name → array) to ``path`` atomically."""
    if not isinstance(state, dict):
        raise TypeError(
            f"save() takes a state dict such as module.state_dict(), got {type(state).__name__}"
        )
    path = Path(path)
    arrays = {str(key): to_numpy(value) for key, value in state.items()}
    for key, array in arrays.items():
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"save() stores numeric arrays only, got dtype {array.dtype} for {key!r}"
            )
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path) -> dict:
    """Read a state dict written by ``save`` (NumPy arrays, in the order they were saved).

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the file for a
    truncated or corrupt one.
    """
    with open(path, "rb") as file:
        try:
            with np.load(file, allow_pickle=False) as archive:
                return {key: archive[key] for key in archive.files}
        except (zipfile.BadZipFile, ValueError, EOFError, OSError) as error:
            raise ValueError(f"{path} is not a readable minicnn checkpoint: {error}") from error
