"""The guarded copies of the host builds (``host/guarded.py``): a kernel that reads past an
array's end must stop, not read a neighbour's bytes (the fault is provoked in a child
process, which it kills); a copy can start off a 16-byte boundary, as a view can."""

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from .host.guarded import ALIGNMENT, guarded_copy

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
@pytest.mark.parametrize("shape", [(1,), (5,), (3, 7), (1024,), (0, 4)])
def test_a_guarded_copy_is_an_aligned_copy(shape, dtype):
    array = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    copy = guarded_copy(array)
    assert copy.dtype == array.dtype and copy.shape == array.shape and copy.flags.c_contiguous
    np.testing.assert_array_equal(copy, array)
    assert copy.size == 0 or not np.shares_memory(copy, array)
    assert copy.size == 0 or copy.ctypes.data % ALIGNMENT == 0


@pytest.mark.parametrize("misalign", [4, 8, 12])
def test_a_misaligned_copy_starts_that_far_past_a_boundary(misalign):
    array = np.arange(7, dtype=np.float32)
    copy = guarded_copy(array, misalign)
    np.testing.assert_array_equal(copy, array)
    assert copy.ctypes.data % ALIGNMENT == misalign


@pytest.mark.parametrize("misalign", [2, 16, -4])
def test_a_misalignment_must_be_whole_elements_below_the_alignment(misalign):
    with pytest.raises(ValueError, match="misalign must be a multiple of 4 below 16"):
        guarded_copy(np.ones(3, np.float32), misalign)


def read_at(offset_in_bytes: int) -> subprocess.CompletedProcess:
    """Read one byte ``offset_in_bytes`` from the start of a guarded 6-float copy, in a child."""
    script = textwrap.dedent(f"""
        import ctypes
        import numpy as np
        from tests.cuda.host.guarded import guarded_copy
        copy = guarded_copy(np.ones(6, dtype=np.float32))
        print(ctypes.c_ubyte.from_address(copy.ctypes.data + {offset_in_bytes}).value)
    """)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True, timeout=60
    )


def test_reading_inside_the_rounded_span_works():
    # 6 floats are 24 bytes, rounded up to 32: the last byte of that span can be read
    assert read_at(31).returncode == 0


def test_reading_past_the_rounded_span_is_a_memory_fault():
    result = read_at(32)
    faults = (-signal.SIGSEGV, -signal.SIGBUS)  # Linux, macOS
    assert result.returncode in faults, (result.returncode, result.stderr)
