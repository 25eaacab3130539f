"""Timing one implementation's calls: wall clock on the CPU, CUDA events on the GPU.

Each turn of an implementation starts with untimed calls for ``warm_up`` seconds (at least
one call): the first turn compiles kernels, builds plans and allocates buffers; later turns
find the caches and the other process's threads as the previous implementation left them,
and give them time to settle. Then ``calls`` calls are timed one by one. The benchmark takes
the median over all the timed calls of all turns.

On the GPU a call only queues work, so wall-clock time would measure the queueing. The
timed calls run back to back between two CUDA events recorded on the stream instead, and
each call's time is their elapsed time (``cupy.cuda.get_elapsed_time``) ÷ ``calls``. One
more untimed call is queued just before the first event, so the GPU is busy while Python
queues the first timed call: the events see the GPU's work, not the host's launch latency
(unless the host cannot queue work as fast as the GPU does it — then that is the rate).
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
    """Seconds of GPU work per call of ``run`` (CuPy arrays), ``calls`` times: the calls
    run back to back between two CUDA events, after a warm-up, a synchronisation and one
    untimed call that keeps the GPU busy while the first timed one is queued."""
    import cupy

    warm_up(run, warm_up_seconds)
    cupy.cuda.get_current_stream().synchronize()
    start, end = cupy.cuda.Event(), cupy.cuda.Event()
    run()
    start.record()
    for _ in range(calls):
        run()
    end.record()
    end.synchronize()
    return [cupy.cuda.get_elapsed_time(start, end) / 1e3 / calls] * calls
