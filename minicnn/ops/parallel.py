"""Running a compiled (Numba ``parallel=True``) kernel on every core, or on this thread alone.

Waking the other cores' threads for a parallel loop costs tens of microseconds, more when
they have just handed the cores to the BLAS threads of a GEMM. A small kernel finishes
sooner on the calling thread alone; the threshold was measured on the MNIST-1D CNN, whose
kernels write a few thousand values each.
"""

from __future__ import annotations

import numba

PARALLEL_MIN_WORK = 1 << 17  # elements written; below this the kernel runs on one thread


def launch(kernel, *args, work: int):
    """Call ``kernel(*args)``, on one thread when ``work`` < ``PARALLEL_MIN_WORK``."""
    if work >= PARALLEL_MIN_WORK:
        return kernel(*args)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return kernel(*args)
    finally:
        numba.set_num_threads(threads)
