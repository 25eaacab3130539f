"""Window geometry and launch sizes shared by the CUDA C and the Numba kernels.

The kernels see every problem as 3-d: an input ``(N, C, D, H, W)`` and windows with three
kernel extents, strides, paddings and dilations. A 1-d or 2-d problem becomes a 3-d one with
leading spatial axes of size 1 (kernel 1, stride 1, dilation 1, no padding), which changes no
index, so one kernel serves ``Conv1d``, ``Conv2d`` and ``Conv3d``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

DIMS = 3
THREADS_PER_BLOCK = 256  # 8 warps: enough to hide memory latency, small enough for any GPU
# A grid-stride loop lets any grid size cover any array; beyond this many blocks (about 500
# per SM of an H100) each thread simply takes several elements.
MAX_BLOCKS = 65535


class Window3d(NamedTuple):
    """Sliding windows over a 3-d input; each field holds one int per axis (D, H, W)."""

    size: tuple  # input extent
    kernel: tuple
    out: tuple  # output extent
    stride: tuple
    pad: tuple  # padding before the input (after it, implied by ``out``)
    dilation: tuple

    def ints(self) -> tuple[int, ...]:
        """The 18 ints in the order the kernels take them: size, kernel, out, stride, pad,
        dilation, each (D, H, W)."""
        return tuple(value for field in self for value in field)


def window_3d(spatial, kernel_size, stride, padding, dilation, out_shape) -> Window3d:
    """The 3-d form of a 1-3 d window geometry. ``padding`` holds (lo, hi) pairs, as in
    ``minicnn.ops.geometry``; the kernels need only lo."""
    missing = DIMS - len(spatial)
    if not 0 <= missing < DIMS:
        raise ValueError(f"the GPU kernels handle 1 to {DIMS} spatial dims, got {len(spatial)}")
    ones, zeros = (1,) * missing, (0,) * missing
    return Window3d(
        size=ones + tuple(spatial),
        kernel=ones + tuple(kernel_size),
        out=ones + tuple(out_shape),
        stride=ones + tuple(stride),
        pad=zeros + tuple(lo for lo, _ in padding),
        dilation=ones + tuple(dilation),
    )


class Launch(NamedTuple):
    """A 1-d launch: ``blocks`` blocks of ``threads`` threads."""

    blocks: int
    threads: int


def launch_for(total: int, threads: int = THREADS_PER_BLOCK, max_blocks: int = MAX_BLOCKS):
    """Enough blocks for one thread per element, at most ``max_blocks`` (at least one)."""
    return Launch(max(1, min(math.ceil(total / threads), max_blocks)), threads)
