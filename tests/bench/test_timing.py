"""The timers, with a stand-in clock (and a stand-in CuPy for the CUDA events)."""

import sys
from types import SimpleNamespace

import pytest

from minicnn.bench import timing


@pytest.fixture
def clock(monkeypatch):
    """A clock for ``timing`` that only moves when ``clock.call`` is called, by one second
    each time; ``clock.calls`` counts them."""
    now = SimpleNamespace(seconds=0.0, calls=0)

    def call():
        now.calls += 1
        now.seconds += 1.0

    now.call = call
    monkeypatch.setattr(timing, "time", SimpleNamespace(perf_counter=lambda: now.seconds))
    return now


def test_warm_up_calls_once_at_least_then_until_its_time_is_up(clock):
    timing.warm_up(clock.call, 0)
    assert clock.calls == 1
    timing.warm_up(clock.call, 3.5)
    assert clock.calls == 1 + 4


def test_cpu_timer_warms_up_then_times_each_call(clock):
    assert timing.time_cpu(clock.call, 3, 0) == [1.0, 1.0, 1.0]
    assert clock.calls == 1 + 3


def test_cuda_events_bracket_the_calls_back_to_back_behind_an_untimed_one(monkeypatch):
    log, names = [], iter(["start", "end"])

    class Event:
        def __init__(self):
            self.name = next(names)  # created in the order start, end

        def record(self):
            log.append(f"record {self.name}")

        def synchronize(self):
            log.append(f"wait {self.name}")

    def get_elapsed_time(start, end):
        assert (start.name, end.name) == ("start", "end")
        return 2.5  # milliseconds, for both calls

    stream = SimpleNamespace(synchronize=lambda: log.append("sync"))
    cuda = SimpleNamespace(
        Event=Event, get_current_stream=lambda: stream, get_elapsed_time=get_elapsed_time
    )
    monkeypatch.setitem(sys.modules, "cupy", SimpleNamespace(cuda=cuda))
    seconds = timing.time_cuda_events(lambda: log.append("run"), 2, 0)
    assert seconds == pytest.approx([1.25e-3, 1.25e-3])
    # warm-up, synchronise, one untimed call to keep the GPU busy, then the timed calls
    assert log == ["run", "sync", "run", "record start", "run", "run", "record end", "wait end"]
