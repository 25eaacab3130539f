"""Scratch buffers: reused for the same purpose, grown on demand, separate per purpose."""

import threading

import numpy as np

from minicnn.ops import workspace


def test_same_purpose_reuses_the_memory_and_grows_when_needed():
    workspace.release()
    first = workspace.scratch("test.a", (4, 5), np.float32)
    again = workspace.scratch("test.a", (2, 3), np.float32)
    assert first.shape == (4, 5) and first.dtype == np.float32 and first.flags.c_contiguous
    assert np.shares_memory(first, again)
    bigger = workspace.scratch("test.a", (100,), np.float64)
    assert bigger.shape == (100,) and not np.shares_memory(first, bigger)
    assert not np.shares_memory(bigger, workspace.scratch("test.b", (100,), np.float64))


def test_each_thread_has_its_own_buffers():
    mine = workspace.scratch("test.thread", (8,), np.float64)
    theirs = []
    thread = threading.Thread(
        target=lambda: theirs.append(workspace.scratch("test.thread", (8,), np.float64))
    )
    thread.start()
    thread.join()
    assert not np.shares_memory(mine, theirs[0])


def test_release_frees_the_buffers():
    kept = workspace.scratch("test.c", (8,), np.float64)
    workspace.release()
    assert not np.shares_memory(kept, workspace.scratch("test.c", (8,), np.float64))
