"""Launchers of the implicit-GEMM convolution kernels (``kernels/conv_implicit_gemm.cu``).

Three passes, float32, 1 to 3 spatial dims, any stride, padding, dilation and groups:

    forward(x, weight, geometry)                          → y   (N, C_out, *O), no bias
    backward_data(grad_out, weight, geometry, x_shape)    → dx  (N, C_in, *S)
    backward_weights(grad_out, x, geometry, weight_shape) → dW  (C_out, C_in/G, *K)

``geometry`` is the ``ConvGeometry`` of ``minicnn.ops.conv``. The host side does what is cheap
here and expensive per thread there: the tap tables the gathers read (one int4 per reduction
index), the transposed weights of backward-data, the tile height, and for backward-weights
how many slices the reduction is split into; then it adds up the slices.

Each function takes the arrays of one module (CuPy on the GPU) and a ``run(filename, name,
grid, block, args)`` that launches a kernel (``rawmodule.launch``, on the GPU, by default).
The tests pass another ``run``, which executes the same ``.cu`` file compiled for the host,
so that everything here, the kernels included, is checked without a GPU.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..backend import get_array_module
from .geometry import window_3d
from .rawmodule import launch as gpu_launch

SOURCE = "conv_implicit_gemm.cu"
THREADS = 256
TILE_COLS = 128  # BN in the kernel
REDUCTION_STEP = 8  # BK in the kernel
# Backward-weights splits its reduction until the grid has about this many blocks per SM
# (what an SM holds of its 128-row kernel: 128 registers × 256 threads, twice), keeping each
# slice at least this many steps long.
BLOCKS_PER_SM = 2
MIN_STEPS_PER_SLICE = 16
H100_SMS = 132
MAX_GRID_YZ = 65535  # CUDA's limit on gridDim.y and gridDim.z
# The kernels index in int and may run a tile (or a reduction slice) past an extent before
# the bounds check: extents stay below half of int's range.
INT_EXTENT_LIMIT = 2**30


def tile_rows(rows: int) -> int:
    """The tile height for a result of ``rows`` rows: 64 when that covers them, else 128."""
    return 64 if rows <= 64 else 128


def forward(x, weight, geometry, run=gpu_launch):
    """x (N, C_in, *S) and weight (C_out, C_in/G, *K), float32 → y (N, C_out, *O)."""
    xp = get_array_module(x)
    n, c_out = x.shape[0], weight.shape[0]
    window = _window(x.shape, geometry)
    ints = _conv_ints(n, x.shape[1], c_out, geometry.groups, window)
    x, weight = _float32(xp, x, "x"), _float32(xp, weight, "weight")
    y = xp.empty((n, c_out, *geometry.out_shape), dtype=np.float32)
    if y.size == 0:  # no images: a grid with no blocks is not a valid launch
        return y
    taps = _tap_table(xp, "forward", weight.shape[1], window)
    rows, cols = c_out // geometry.groups, n * math.prod(geometry.out_shape)
    _launch(run, "forward", rows, cols, geometry.groups, (x, weight, taps, y), ints)
    return y


def backward_data(grad_out, weight, geometry, x_shape, run=gpu_launch):
    """grad_out (N, C_out, *O) and weight (C_out, C_in/G, *K) → dx of shape ``x_shape``."""
    xp = get_array_module(grad_out)
    groups, c_out, c_in_group = geometry.groups, weight.shape[0], weight.shape[1]
    window = _window(x_shape, geometry)
    ints = _conv_ints(x_shape[0], x_shape[1], c_out, groups, window)
    grad_out, weight = _float32(xp, grad_out, "grad_out"), _float32(xp, weight, "weight")
    if c_out == 0 or 0 in x_shape:  # nothing flows back, or nothing to write
        return xp.zeros(tuple(x_shape), dtype=np.float32)
    dx = xp.empty(tuple(x_shape), dtype=np.float32)
    taps = _tap_table(xp, "backward-data", c_out // groups, window)
    # Wᵀ per group: (G, C_in/G, C_out/G·taps), the kernel's first operand as an ordinary matrix
    weight_t = weight.reshape(groups, c_out // groups, c_in_group, -1).transpose(0, 2, 1, 3)
    weight_t = xp.ascontiguousarray(weight_t)
    cols = x_shape[0] * math.prod(x_shape[2:])
    _launch(run, "backward_data", c_in_group, cols, groups, (grad_out, weight_t, taps, dx), ints)
    return dx


def backward_weights(grad_out, x, geometry, weight_shape, run=gpu_launch, sms=None):
    """grad_out (N, C_out, *O) and x (N, C_in, *S) → dW of shape ``weight_shape``.

    The reduction over the N·ΠO output positions is split into slices (``split_slices``;
    ``sms``, the GPU's SM count, is read from the device when not given): one block per tile
    and slice, each writing its partial sum; the slices are then added in order.
    """
    xp = get_array_module(grad_out)
    groups, c_out = geometry.groups, weight_shape[0]
    window = _window(x.shape, geometry)
    conv_ints = _conv_ints(x.shape[0], x.shape[1], c_out, groups, window)
    grad_out, x = _float32(xp, grad_out, "grad_out"), _float32(xp, x, "x")
    reduction = x.shape[0] * math.prod(geometry.out_shape)
    if reduction == 0 or 0 in weight_shape:  # nothing to sum, or nothing to sum into
        return xp.zeros(weight_shape, dtype=np.float32)
    rows, cols = c_out // groups, math.prod(weight_shape[1:])
    tiles = -(-rows // tile_rows(rows)) * -(-cols // TILE_COLS) * groups
    slices = split_slices(tiles, reduction, _sm_count(xp) if sms is None else sms)
    slices = max(1, min(slices, MAX_GRID_YZ // groups))  # groups·slices layers in the grid
    steps_per_slice = -(-reduction // (REDUCTION_STEP * slices))
    slices = -(-reduction // (REDUCTION_STEP * steps_per_slice))  # none left empty
    partial = xp.empty((slices, c_out, cols), dtype=np.float32)
    ints = (np.int32(steps_per_slice * REDUCTION_STEP), *conv_ints)
    _launch(run, "backward_weights", rows, cols, groups * slices, (grad_out, x, partial), ints)
    dweight = partial[0] if slices == 1 else partial.sum(axis=0)
    return dweight.reshape(weight_shape)


def split_slices(tiles: int, reduction: int, sms: int) -> int:
    """Into how many slices backward-weights splits a reduction of length ``reduction`` when
    its result has ``tiles`` tiles: enough for ``BLOCKS_PER_SM`` blocks on each of ``sms``
    SMs, but no slice shorter than ``MIN_STEPS_PER_SLICE`` steps (at least one slice)."""
    wanted = -(-BLOCKS_PER_SM * sms // tiles)
    longest = reduction // (REDUCTION_STEP * MIN_STEPS_PER_SLICE)
    return max(1, min(wanted, longest))


def _launch(run, kind, rows, cols, depth, arrays, ints):
    """Launch pass ``kind`` over a ``rows`` × ``cols`` result per grid layer, ``depth`` layers
    (groups, times slices for backward-weights)."""
    height = tile_rows(rows)
    name = f"conv_{kind}_implicit_gemm_m{height}"
    grid = (-(-cols // TILE_COLS), -(-rows // height), depth)
    if max(grid[1:]) > MAX_GRID_YZ:
        raise ValueError(
            f"the implicit-GEMM grid {grid} (column tiles, row tiles, groups·slices) exceeds "
            f"CUDA's limit of {MAX_GRID_YZ} blocks along y and z"
        )
    run(SOURCE, name, grid, (THREADS,), (*arrays, *ints))


def _conv_ints(images, channels_in, channels_out, groups, window):
    """The kernels' int parameters after the arrays, as ``np.int32`` (CuPy passes each Python
    scalar with a type of its own choosing), once every extent the kernels compute in int is
    checked to fit: the GEMMs' columns (N·ΠO, N·ΠS) and reductions (C/G·taps)."""
    taps = math.prod(window.kernel)
    for extent in (
        images * math.prod(window.out),
        images * math.prod(window.size),
        channels_in // groups * taps,
        channels_out // groups * taps,
    ):
        _check_int_extent(extent)
    values = (images, channels_in, channels_out, groups, *window.ints())
    return tuple(np.int32(value) for value in values)


def _check_int_extent(count: int) -> None:
    """Refuse ``count`` where the kernels' int indices could overflow: they run up to a
    tile, or a reduction slice, past an extent, so extents stay below ``INT_EXTENT_LIMIT``."""
    if count >= INT_EXTENT_LIMIT:
        raise ValueError("the convolution is too large for the implicit-GEMM kernels' int indices")


def _window(x_shape, geometry):
    g = geometry
    return window_3d(x_shape[2:], g.kernel_size, g.stride, g.padding, g.dilation, g.out_shape)


def _float32(xp, array, name):
    if array.dtype != np.float32:
        raise TypeError(f"the implicit-GEMM kernels take float32, got {name} of {array.dtype}")
    return xp.ascontiguousarray(array)


def _sm_count(xp) -> int:
    """The current GPU's number of SMs (an H100's when ``xp`` is NumPy)."""
    return H100_SMS if xp is np else _device_sms(xp.cuda.Device().id)


@functools.cache
def _device_sms(device: int) -> int:
    import cupy

    return cupy.cuda.Device(device).attributes["MultiProcessorCount"]


def _tap_table(xp, kind, channels, window):
    """The (channels·taps, 4) int32 table of ``kind``'s gather, on ``xp``'s current device."""
    device = 0 if xp is np else xp.cuda.Device().id
    return _cached_table(xp.__name__, device, kind, channels, window)


@functools.lru_cache(maxsize=128)
def _cached_table(module, device, kind, channels, window):
    table = tap_table(kind, channels, window)
    if module == "numpy":
        return table
    import cupy

    with cupy.cuda.Device(device):
        uploaded = cupy.asarray(table)
        # the table outlives this stream's work: let a launch on any stream find it complete
        cupy.cuda.get_current_stream().synchronize()
        return uploaded


def tap_table(kind: str, channels: int, window) -> np.ndarray:
    """One row (offset, dz, dy, dx) per reduction index (channel c, tap (kz, ky, kx)), c
    slowest, where (dz, dy, dx) = tap · dilation and offset is

        forward:        c·ΠS + (dz·H + dy)·W + dx   (x's element for the window's corner)
        backward-data:  c·ΠO                        (the start of dy's channel c)
    """
    taps = np.indices(window.kernel).reshape(3, -1).T * np.array(window.dilation)
    if kind == "forward":
        depth, height, width = window.size
        start = np.arange(channels) * (depth * height * width)
        within = (taps[:, 0] * height + taps[:, 1]) * width + taps[:, 2]
    else:
        start = np.arange(channels) * math.prod(window.out)
        within = np.zeros(len(taps), dtype=np.int64)
    offsets = (start[:, None] + within[None, :]).reshape(-1, 1)
    shifts = np.tile(taps, (channels, 1))
    table = np.concatenate([offsets, shifts], axis=1)
    if table.size:
        _check_int_extent(int(np.abs(table).max()))
    return np.ascontiguousarray(table, dtype=np.int32)
