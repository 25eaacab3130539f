"""Copies of arrays that end where an inaccessible page begins, so that a kernel running on
the host which reads or writes past an array's end stops with a segmentation fault instead
of reading a neighbour's bytes (on a GPU such an access reads garbage, or faults, by chance).

The copy starts 16-byte aligned, as CuPy's arrays do, so the kernels' checks for vector loads
decide as they would on a GPU; an access less than 16 bytes past the end can go unseen. A
copy can also start a few bytes later, as a view into a CuPy array can, to check that the
kernels then do without vector loads (the host builds stop at a misaligned one).
Accesses before the start are not caught.
"""

import ctypes
import mmap

import numpy as np

ALIGNMENT = 16
PROT_NONE = 0
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def guarded_copy(array: np.ndarray, misalign: int = 0) -> np.ndarray:
    """A C-contiguous copy of ``array`` that starts ``misalign`` bytes past a multiple of
    ``ALIGNMENT`` and whose last byte, rounded up to ``ALIGNMENT``, is followed by a page that
    may not be read or written."""
    if not 0 <= misalign < ALIGNMENT or misalign % array.itemsize:
        raise ValueError(f"misalign must be a multiple of {array.itemsize} below {ALIGNMENT}")
    if array.nbytes == 0:
        return np.ascontiguousarray(array)
    span = -(-(misalign + array.nbytes) // ALIGNMENT) * ALIGNMENT
    guard = -(-span // mmap.PAGESIZE) * mmap.PAGESIZE
    memory = mmap.mmap(-1, guard + mmap.PAGESIZE)
    base = np.frombuffer(memory, dtype=np.uint8).ctypes.data
    if _libc.mprotect(base + guard, mmap.PAGESIZE, PROT_NONE) != 0:
        raise OSError(ctypes.get_errno(), "mprotect failed on the guard page")
    start = guard - span + misalign
    copy = np.frombuffer(memory, dtype=array.dtype, count=array.size, offset=start)
    copy = copy.reshape(array.shape)
    copy[...] = array
    return copy
