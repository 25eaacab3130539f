"""Timing one implementation's calls: wall clock on the CPU, CUDA events on the GPU.

Each turn of an implementation starts with untimed calls for ``warm_up`` seconds (at least
one call): the first turn compiles kernels, builds plans and allocates buffers; later turns
find the caches and the other process's threads as the previous implementation left them,
and give them time to settle. Then ``calls`` calls are timed one by one. The benchmark takes
the median over all the timed calls of all turns.

On the GPU a call only queues work, so wall-clock time would measure the queueing. Each
call is bracketed instead by two CUDA events recorded on the stream; their elapsed time is
the GPU's time for the call's work (``cupy.cuda.get_elapsed_time``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple


class Unavailable(Exception):
    """An implementation cannot run a case here; the message says why."""


class Prepared(NamedTuple):
    """An implementation ready to time one case."""

    timer: Callable  # (calls, warm_up seconds) -> seconds of each timed call
    algorithm: str | None  # the convolution algorithm that runs, where there is a choice


def warm_up(run, seconds: float) -> None:
    """Call ``run`` untimed for ``seconds`` (at least once)."""
    start = time.perf_counter()
    run()
    while time.perf_counter() - start < seconds:
        run()


def time_cpu(run, calls: int, warm_up_seconds: float) -> list[float]:
    """Seconds of each of ``calls`` calls of ``run``, by the wall clock, after a warm-up."""
    warm_up(run, warm_up_seconds)
    seconds = []
    for _ in range(calls):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


def time_cuda_events(run, calls: int, warm_up_seconds: float) -> list[float]:
    """Seconds of GPU work of each of ``calls`` calls of ``run`` (CuPy arrays), between two
    CUDA events, after a warm-up and a synchronisation."""
    import cupy

    warm_up(run, warm_up_seconds)
    cupy.cuda.get_current_stream().synchronize()
    start, end = cupy.cuda.Event(), cupy.cuda.Event()
    seconds = []
    for _ in range(calls):
        start.record()
        run()
        end.record()
        end.synchronize()
        seconds.append(cupy.cuda.get_elapsed_time(start, end) / 1e3)
    return seconds
