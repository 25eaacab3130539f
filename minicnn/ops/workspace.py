"""Scratch buffers reused from one call to the next.

A freshly allocated large array is slow to fill the first time: the operating system maps
its pages only when they are first written, one fault per page, and zeroes each one. For
the tens of megabytes a convolution uses in passing that costs about as much as the work
itself. Buffers that live only within one call (the GEMM products of Winograd, the column
gradient of im2col's backward pass) are taken from here instead: one buffer per purpose and
thread, kept between calls and grown when a call needs more.

Never hand a scratch buffer, or a view of one, back to the caller: the next call with the same
purpose overwrites it.
"""

from __future__ import annotations

import threading

import numpy as np

_local = threading.local()


def scratch(purpose: str, shape, dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` in the buffer kept for
    ``purpose`` (a name such as ``"winograd.products"``)."""
    buffers = _local.__dict__.setdefault("buffers", {})
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    buffer = buffers.get(purpose)
    if buffer is None or buffer.nbytes < nbytes:
        buffer = buffers[purpose] = np.empty(nbytes, dtype=np.uint8)
    return buffer[:nbytes].view(dtype).reshape(shape)


def release() -> None:
    """Free this thread's scratch buffers (they are allocated again when next needed)."""
    _local.__dict__.pop("buffers", None)
