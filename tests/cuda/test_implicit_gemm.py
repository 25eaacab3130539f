"""The implicit-GEMM kernels (``kernels/conv_implicit_gemm.cu``) and their launchers
(``minicnn/cuda/implicit_gemm.py``) without a GPU: the ``.cu`` file is compiled for the host
by ``host/`` (blocks in turn, each block's threads as real threads taking turns between
``__syncthreads``), and the launchers run it through ctypes instead of CuPy. Everything but
the GPU itself is the code that runs on one: the tile sizes, the grids, the tap tables, the
split reduction, the vector and scalar loads, and every index computation.

Oracle: minicnn's CPU convolution in float64. Skipped, saying why, without a C++20 compiler.
"""

import sys
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minicnn.cuda import implicit_gemm
from minicnn.cuda.geometry import window_3d
from minicnn.ops.conv import conv_backward, conv_forward
from minicnn.testing import conv_configs

RTOL = 1e-5  # float32 sums of up to a few hundred products, relative to the largest entry


@pytest.fixture(scope="module")
def run(host_kernels):
    """The kernels' host build, as the launchers' ``run``."""
    return host_kernels


def reference(x, weight, grad_out, config):
    """y, dx and dW by minicnn's CPU convolution in float64."""
    y, cache = conv_forward(
        x.astype(np.float64), weight.astype(np.float64), **config.hyperparameters()
    )
    dx, dweight, _ = conv_backward(grad_out.astype(np.float64), cache)
    return y, dx, dweight, cache.geometry


def assert_close(actual, expected):
    assert actual.dtype == np.float32 and actual.shape == expected.shape
    scale = max(np.abs(expected).max(), 1.0)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=RTOL * scale)


def check_all_passes(run, config, seed=0, sms=implicit_gemm.H100_SMS):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(config.input_shape).astype(np.float32)
    weight = rng.standard_normal(config.weight_shape).astype(np.float32)
    out_shape = conv_forward(x[:1], weight, **config.hyperparameters())[0].shape[1:]
    grad_out = rng.standard_normal((x.shape[0], *out_shape)).astype(np.float32)
    inputs = [array.copy() for array in (x, weight, grad_out)]
    y, dx, dweight, geometry = reference(x, weight, grad_out, config)

    assert_close(implicit_gemm.forward(x, weight, geometry, run=run), y)
    assert_close(implicit_gemm.backward_data(grad_out, weight, geometry, x.shape, run=run), dx)
    found = implicit_gemm.backward_weights(grad_out, x, geometry, weight.shape, run=run, sms=sms)
    assert_close(found, dweight)
    for before, after in zip(inputs, (x, weight, grad_out)):
        np.testing.assert_array_equal(before, after)


def config_of(input_shape, weight_shape, stride=1, padding=0, dilation=1, groups=1):
    """A ``conv_configs``-like object for one hand-picked convolution."""
    from types import SimpleNamespace

    def hyperparameters():
        return dict(stride=stride, padding=padding, dilation=dilation, groups=groups)

    return SimpleNamespace(
        input_shape=input_shape, weight_shape=weight_shape, hyperparameters=hyperparameters
    )


CASES = {
    # scalar loads of W (C_in·taps = 27 is odd), 64-row tiles, a partial column tile
    "rgb-3x3": config_of((2, 3, 9, 10), (5, 3, 3, 3), padding=1),
    # 128-row tiles (130 output channels, a partial row tile), float4 loads of W, float2 of Wᵀ
    "wide-3x3": config_of((2, 16, 12, 12), (130, 16, 3, 3), padding=1),
    # stride, dilation, uneven padding per axis and groups
    "strided-groups": config_of((2, 4, 9, 10), (6, 2, 3, 2), (2, 1), (1, 0), (1, 2), 2),
    "conv1d": config_of((3, 8, 17), (70, 8, 3), 2, 1),
    "conv3d": config_of((2, 2, 4, 5, 6), (4, 1, 2, 3, 2), (1, 2, 1), 1, (2, 1, 1), 2),
    # more output columns than one tile in each direction, stride 2 gathers in backward-data
    "many-tiles": config_of((3, 4, 15, 16), (8, 4, 3, 3), 2, 1),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_pass_matches_the_cpu_convolution(run, name):
    check_all_passes(run, CASES[name])


@pytest.mark.parametrize("misalign", [4, 8])
@pytest.mark.parametrize("name", ["wide-3x3", "conv1d"])
def test_misaligned_operands_take_only_the_vector_loads_they_allow(run, name, misalign):
    # A view into a CuPy array can start anywhere. 8 bytes off, float2 loads are still
    # aligned and float4 loads are not; 4 bytes off, neither. A vector load through a
    # misaligned pointer faults on a GPU and aborts the host build.
    check_all_passes(run.misaligned(misalign), CASES[name])


def test_an_infinite_input_gives_infinity_not_nan(run):
    # rgb-3x3: the reductions (3·9 = 27 for the forward, 5·9 = 45 for backward-data) end
    # inside a tile step, whose lanes past the end must add nothing -- not 0 · inf = NaN.
    # Every term here is >= 0 and every output meets an inf of the last channel.
    config = CASES["rgb-3x3"]
    rng = np.random.default_rng(0)
    x = np.abs(rng.standard_normal(config.input_shape)).astype(np.float32)
    weight = (np.abs(rng.standard_normal(config.weight_shape)) + 0.5).astype(np.float32)
    y, _, _, geometry = reference(x, weight, np.zeros((2, 5, 9, 10), np.float32), config)
    grad_out = np.abs(rng.standard_normal(y.shape)).astype(np.float32)
    x[:, -1] = grad_out[:, -1] = np.inf
    assert np.isposinf(implicit_gemm.forward(x, weight, geometry, run=run)).all()
    dx = implicit_gemm.backward_data(grad_out, weight, geometry, x.shape, run=run)
    assert np.isposinf(dx).all()


@pytest.mark.parametrize("sms", [1, 4, 64])
def test_backward_weights_is_the_same_however_its_reduction_is_split(run, sms):
    # one 64 × 128 tile; 4·32·32 = 4096 output positions to sum over, at least 128 per slice
    config = config_of((4, 4, 32, 32), (8, 4, 3, 3), padding=1)
    assert implicit_gemm.split_slices(1, 4096, sms) == min(2 * sms, 32)
    rng = np.random.default_rng(sms)
    x = rng.standard_normal(config.input_shape).astype(np.float32)
    weight = rng.standard_normal(config.weight_shape).astype(np.float32)
    grad_out = rng.standard_normal((4, 8, 32, 32)).astype(np.float32)
    _, _, dweight, geometry = reference(x, weight, grad_out, config)
    found = implicit_gemm.backward_weights(grad_out, x, geometry, weight.shape, run=run, sms=sms)
    assert_close(found, dweight)


@settings(max_examples=50, deadline=None)
@given(config=conv_configs(max_channels_per_group=5), seed=st.integers(0, 2**16))
def test_matches_the_cpu_convolution_on_random_geometries(run, config, seed):
    check_all_passes(run, config, seed, sms=4)


def test_split_slices_fills_the_gpu_but_keeps_slices_long():
    assert implicit_gemm.split_slices(tiles=1, reduction=8 * 16 * 1000, sms=132) == 264
    assert implicit_gemm.split_slices(tiles=1, reduction=8 * 16 * 3, sms=132) == 3
    assert implicit_gemm.split_slices(tiles=500, reduction=10**6, sms=132) == 1
    assert implicit_gemm.split_slices(tiles=1, reduction=5, sms=132) == 1


def test_tile_rows_covers_small_results_with_one_short_tile():
    assert [implicit_gemm.tile_rows(r) for r in (1, 64, 65, 512)] == [64, 64, 128, 128]


def test_tap_tables_by_hand():
    # 2-d input 5×6, kernel 2×2, dilation (1, 2): taps (0,0) (0,2) (1,0) (1,2), 2 channels
    window = window_3d((5, 6), (2, 2), (1, 1), ((0, 0), (0, 0)), (1, 2), (4, 4))
    forward = implicit_gemm.tap_table("forward", 2, window)
    within = [0, 2, 6, 8]  # dy·W + dx
    assert forward[:, 0].tolist() == within + [30 + offset for offset in within]
    assert forward[:4, 1:].tolist() == [[0, 0, 0], [0, 0, 2], [0, 1, 0], [0, 1, 2]]
    backward = implicit_gemm.tap_table("backward-data", 2, window)
    assert backward[:, 0].tolist() == [0] * 4 + [16] * 4  # channel k starts at k·ΠO
    assert backward.dtype == np.int32 and backward.flags.c_contiguous


def test_inputs_other_than_float32_are_refused():
    x, weight = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3))
    _, cache = conv_forward(x, weight)
    with pytest.raises(TypeError, match="float32, got x of float64"):
        implicit_gemm.forward(x, weight.astype(np.float32), cache.geometry, run=None)


def huge(shape):
    """A float32 array of ``shape`` filled with ones, using one float of memory."""
    return np.lib.stride_tricks.as_strided(np.ones(1, np.float32), shape, (0,) * len(shape))


def geometry_of(x_shape, weight, out_shape, groups=1):
    """The geometry of a stride-1 unpadded convolution, with output ``out_shape``."""
    _, cache = conv_forward(np.ones((1, x_shape[1], 4), np.float32), weight, groups=groups)
    return cache.geometry._replace(out_shape=out_shape)


@pytest.mark.parametrize("images, length", [(2**15, 2**15), (1, 2**30)])
def test_convolutions_beyond_int_indices_are_refused_before_copying(images, length):
    # N·ΠO (the columns of forward, the reduction of backward-weights) and N·ΠS (the
    # columns of backward-data) must stay below 2**30; x would need 4 GiB if copied
    x, weight = huge((images, 1, length)), np.ones((1, 1, 1), np.float32)
    geometry = geometry_of(x.shape, weight, (length,))
    message = "too large for the implicit-GEMM kernels' int"
    with pytest.raises(ValueError, match=message):
        implicit_gemm.forward(x, weight, geometry, run=None)
    with pytest.raises(ValueError, match=message):
        implicit_gemm.backward_data(x, weight, geometry, x.shape, run=None)
    with pytest.raises(ValueError, match=message):
        implicit_gemm.backward_weights(x, x, geometry, weight.shape, run=None)


def test_an_empty_batch_launches_nothing():
    # a grid with no blocks is not a valid launch: run=None fails if called
    x, weight = np.ones((0, 4, 6), np.float32), np.ones((6, 2, 3), np.float32)
    geometry = geometry_of(x.shape, weight, (4,), groups=2)
    assert implicit_gemm.forward(x, weight, geometry, run=None).shape == (0, 6, 4)
    grad_out = np.ones((0, 6, 4), np.float32)
    dx = implicit_gemm.backward_data(grad_out, weight, geometry, x.shape, run=None)
    assert dx.shape == x.shape and dx.dtype == np.float32
    dweight = implicit_gemm.backward_weights(grad_out, x, geometry, weight.shape, run=None)
    np.testing.assert_array_equal(dweight, np.zeros_like(weight))


def test_grids_beyond_cuda_limits_are_refused():
    # 65536 groups would be 65536 layers of the grid, one more than CUDA allows
    x, weight = np.ones((1, 2**16, 1), np.float32), np.ones((2**16, 1, 1), np.float32)
    geometry = geometry_of(x.shape, weight, (1,), groups=2**16)
    with pytest.raises(ValueError, match="exceeds CUDA's limit of 65535 blocks along y and z"):
        implicit_gemm.forward(x, weight, geometry, run=None)


def test_backward_weights_splits_into_no_more_grid_layers_than_cuda_allows():
    # 4 groups on a GPU of 10**5 SMs would want 50000 slices; capped at 65535 // 4 = 16383,
    # they are 17 steps of 8 long, and 15421 such slices cover the 2**21 positions
    grids = []
    x, weight = np.ones((1, 4, 2**21), np.float32), np.ones((4, 1, 1), np.float32)
    geometry = geometry_of(x.shape, weight, (2**21,), groups=4)
    record = lambda filename, name, grid, block, args: grids.append(grid)  # noqa: E731
    implicit_gemm.backward_weights(x, x, geometry, weight.shape, run=record, sms=10**5)
    assert grids == [(1, 1, 4 * 15421)]


def test_strided_views_are_copied_before_the_launch(run):
    # the kernels read plain C-contiguous arrays: views reach them as contiguous copies
    config = CASES["rgb-3x3"]
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 9, 20)).astype(np.float32)[..., ::2]
    weight = rng.standard_normal((3, 5, 3, 3)).astype(np.float32).transpose(1, 0, 2, 3)
    grad_out = rng.standard_normal((2, 5, 9, 20)).astype(np.float32)[..., ::2]
    y, dx, dweight, geometry = reference(x, weight, grad_out, config)
    assert_close(implicit_gemm.forward(x, weight, geometry, run=run), y)
    assert_close(implicit_gemm.backward_data(grad_out, weight, geometry, x.shape, run=run), dx)
    found = implicit_gemm.backward_weights(grad_out, x, geometry, weight.shape, run=run, sms=4)
    assert_close(found, dweight)


def test_split_slices_rounds_the_blocks_wanted_up_and_the_slices_allowed_down():
    # 264 blocks wanted over 100 tiles: 3 slices, not 2
    assert implicit_gemm.split_slices(tiles=100, reduction=10**6, sms=132) == 3
    # 392 positions make 3 full slices of 16 steps of 8 (384), not 4
    assert implicit_gemm.split_slices(tiles=1, reduction=8 * 16 * 3 + 8, sms=132) == 3


def test_no_output_channels_launch_nothing_and_give_no_gradient():
    x, grad_out = np.ones((2, 2, 6), np.float32), np.ones((2, 0, 4), np.float32)
    weight = np.ones((0, 2, 3), np.float32)
    geometry = geometry_of(x.shape, np.ones((1, 2, 3), np.float32), (4,))
    dweight = implicit_gemm.backward_weights(grad_out, x, geometry, weight.shape, run=None)
    assert dweight.shape == (0, 2, 3) and dweight.dtype == np.float32
    dx = implicit_gemm.backward_data(grad_out, weight, geometry, x.shape, run=None)
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dx, np.zeros(x.shape))


def test_a_grid_of_exactly_65535_layers_is_launched():
    launches = []
    x, weight = np.ones((1, 65535, 1), np.float32), np.ones((65535, 1, 1), np.float32)
    geometry = geometry_of(x.shape, weight, (1,), groups=65535)
    record = lambda filename, name, grid, block, args: launches.append(grid)  # noqa: E731
    implicit_gemm.forward(x, weight, geometry, run=record)
    assert launches == [(1, 1, 65535)]


def test_backward_data_refuses_an_input_beyond_int_indices_whatever_the_output():
    # N·ΠS (the columns of backward-data) is 2**30 while N·ΠO is 4
    weight, grad_out = np.ones((1, 1, 1), np.float32), np.ones((1, 1, 4), np.float32)
    geometry = geometry_of((1, 1, 4), weight, (4,))
    with pytest.raises(ValueError, match="too large for the implicit-GEMM kernels' int"):
        implicit_gemm.backward_data(grad_out, weight, geometry, (1, 1, 2**30), run=None)


def test_tap_tables_beyond_int_indices_are_refused():
    # forward offsets c·ΠS: channel 4 of an input of 2**28 elements starts at 2**30
    window = window_3d((2**28,), (1,), (1,), ((0, 0),), (1,), (2**28,))
    with pytest.raises(ValueError, match="too large for the implicit-GEMM kernels' int"):
        implicit_gemm.tap_table("forward", 5, window)
    assert implicit_gemm.tap_table("forward", 4, window)[-1, 0] == 3 * 2**28


def test_the_tap_table_is_cached_per_device(monkeypatch):
    keys = []
    monkeypatch.setattr(implicit_gemm, "_cached_table", lambda *key: keys.append(key))
    device = types.SimpleNamespace(id=3)
    xp = types.SimpleNamespace(__name__="cupy", cuda=types.SimpleNamespace(Device=lambda: device))
    window = window_3d((5, 6), (2, 2), (1, 1), ((0, 0), (0, 0)), (1, 2), (4, 4))
    implicit_gemm._tap_table(xp, "forward", 2, window)
    assert keys == [("cupy", 3, "forward", 2, window)]


def test_an_uploaded_tap_table_is_complete_before_it_is_used(monkeypatch):
    # a table cached for later launches, possibly on other streams: uploaded on its device,
    # then that stream synchronised
    events = []

    class Device:
        def __init__(self, device):
            self.device = device

        def __enter__(self):
            events.append(("device", self.device))

        def __exit__(self, *exc):
            events.append("leave")

    stream = types.SimpleNamespace(synchronize=lambda: events.append("synchronize"))
    cuda = types.SimpleNamespace(Device=Device, get_current_stream=lambda: stream)
    upload = lambda table: events.append("upload") or table.copy()  # noqa: E731
    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(asarray=upload, cuda=cuda))
    window = window_3d((5, 6), (2, 2), (1, 1), ((0, 0), (0, 0)), (1, 2), (4, 4))
    implicit_gemm._cached_table.cache_clear()
    try:
        table = implicit_gemm._cached_table("cupy", 1, "forward", 2, window)
        again = implicit_gemm._cached_table("cupy", 1, "forward", 2, window)
    finally:
        implicit_gemm._cached_table.cache_clear()
    assert events == [("device", 1), "upload", "synchronize", "leave"]
    assert again is table
    np.testing.assert_array_equal(table, implicit_gemm.tap_table("forward", 2, window))
