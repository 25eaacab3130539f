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


def test_cuda_events_bracket_each_call_and_give_seconds(monkeypatch):
    log = []

    class Event:
        def record(self):
            log.append("record")

        def synchronize(self):
            log.append("wait")

    stream = SimpleNamespace(synchronize=lambda: log.append("sync"))
    cuda = SimpleNamespace(
        Event=Event,
        get_current_stream=lambda: stream,
        get_elapsed_time=lambda start, end: 2.5,  # milliseconds
    )
    monkeypatch.setitem(sys.modules, "cupy", SimpleNamespace(cuda=cuda))
    seconds = timing.time_cuda_events(lambda: log.append("run"), 2, 0)
    assert seconds == pytest.approx([2.5e-3, 2.5e-3])
    assert log == ["run", "sync"] + ["record", "run", "record", "wait"] * 2
