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
    arrays = {str(key): to_numpy(value) for key, value in state.items()}
    for key, array in arrays.items():
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"save() stores numeric arrays only, got dtype {array.dtype} for {key!r}"
            )
    write_atomically(path, lambda file: np.savez(file, **arrays))


def write_atomically(path, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it to ``path``.

    The file gets the permissions a plain ``open(path, "w")`` would give (0666 less the umask).
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def load(path) -> dict:
    """Read a state dict written by ``save`` (NumPy arrays, in the order they were saved).

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the file for one
    that is not an ``.npz`` archive, is truncated or corrupt, or holds pickled objects.
    """
    with open(path, "rb") as file:
        try:
            contents = np.load(file, allow_pickle=False)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError) as error:
            # NumPy takes a file that is neither .npz nor .npy for a pickle
            reason = "not an .npz archive" if "allow_pickle" in str(error) else str(error)
            raise ValueError(f"{path} is not a readable minicnn checkpoint: {reason}") from error
        if not isinstance(contents, np.lib.npyio.NpzFile):
            raise ValueError(f"{path} is not a minicnn checkpoint: one array, not an .npz archive")
        with contents as archive:
            try:
                return {key: archive[key] for key in archive.files}
            except (zipfile.BadZipFile, ValueError, EOFError, OSError) as error:
                reason = (
                    "it holds pickled Python objects, which minicnn never writes or loads"
                    if "allow_pickle" in str(error)
                    else str(error)
                )
                raise ValueError(
                    f"{path} is not a readable minicnn checkpoint: {reason}"
                ) from error
