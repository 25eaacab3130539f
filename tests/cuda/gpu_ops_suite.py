"""The tests of ``minicnn.cuda.ops.GpuOps`` without a GPU, for either kernel set: the Numba
kernels in Numba's CUDA simulator (``simulator/test_numba_kernels.py``) and the CUDA C kernels
built for the host (``test_cuda_c.py``). Each runs on NumPy arrays against the NumPy code of
``minicnn.ops`` (the oracle: itself tested against naive loops and PyTorch).

A subclass of ``GpuOpsSuite`` provides the fixture ``gpu``: a ``GpuOps`` with blocks of 32
threads and at most 3 blocks, so every grid-stride loop takes several turns. Shapes stay
small: the simulator runs each GPU thread as a Python thread, the host build each GPU thread
of a block as a thread.
"""

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minicnn.ops.geometry import output_shape, pool_geometry

im2col_ops = importlib.import_module("minicnn.ops.im2col")
pool_ops = importlib.import_module("minicnn.ops.pool")
DTYPES = [np.float32, np.float64]

# (x shape, kernel, stride, padding (lo, hi) per axis, dilation)
WINDOWS = [
    ((2, 3, 7), (3,), (2,), ((1, 1),), (1,)),
    ((1, 2, 5, 6), (3, 2), (2, 1), ((1, 1), (0, 1)), (1, 2)),
    ((2, 1, 4, 5), (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1)),
    ((1, 2, 3, 4, 4), (2, 3, 2), (1, 2, 1), ((1, 0), (1, 1), (0, 0)), (2, 1, 1)),
]


# (x shape, kernel, stride, padding, ceil_mode)
POOLS = [
    ((2, 2, 7), 3, 2, 1, True),
    ((1, 3, 5, 6), (3, 2), (2, 1), (1, 0), False),
    ((1, 2, 5, 5), 2, 2, 0, True),  # ceil mode: the last windows hang past the input
    ((1, 1, 3, 4, 5), (2, 2, 3), (1, 2, 2), (1, 0, 1), False),
]


def random_array(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


class GpuOpsSuite:
    """im2col, col2im and pooling of ``gpu`` against the NumPy code."""

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize(("x_shape", "kernel", "stride", "padding", "dilation"), WINDOWS)
    def test_im2col_and_col2im_equal_the_numpy_code(
        self, gpu, x_shape, kernel, stride, padding, dilation, dtype
    ):
        x = random_array(x_shape, dtype)
        x_before = x.copy()
        out = output_shape(x_shape[2:], kernel, stride, padding, dilation)
        expected = im2col_ops.im2col(x, kernel, stride, padding, dilation, out)
        cols = gpu.im2col(x, kernel, stride, padding, dilation, out)
        assert cols.dtype == dtype and cols.shape == expected.shape
        np.testing.assert_array_equal(cols, expected)  # a copy: bit for bit
        np.testing.assert_array_equal(x, x_before)

        dcols = random_array(expected.shape, dtype, seed=1)
        dcols_before = dcols.copy()
        expected_dx = im2col_ops.col2im(dcols, x_shape, kernel, stride, padding, dilation)
        dx = gpu.col2im(dcols, x_shape, kernel, stride, padding, dilation)
        assert dx.dtype == dtype and dx.shape == x_shape and dx.flags.c_contiguous
        # Sums in another order: equal to rounding.
        np.testing.assert_allclose(dx, expected_dx, rtol=1e-12 if dtype == np.float64 else 1e-5)
        np.testing.assert_array_equal(dcols, dcols_before)

    def test_im2col_writes_the_fill_value_into_the_padding(self, gpu):
        x = np.ones((1, 1, 2), np.float64)
        cols = gpu.im2col(x, (3,), (1,), ((1, 1),), (1,), (2,), fill=-np.inf)
        # taps (0, 1, 2) × outputs (0, 1): tap 0 of output 0 and tap 2 of output 1 are padding
        np.testing.assert_array_equal(cols[0, :, 0], [[-np.inf, 1], [1, 1], [1, -np.inf]])

    def test_col2im_is_the_adjoint_of_im2col_and_deterministic(self, gpu):
        # <im2col(x), c> = <x, col2im(c)>, and the gather gives the same bits on every run.
        x_shape, kernel, stride, padding, dilation = WINDOWS[1]
        out = output_shape(x_shape[2:], kernel, stride, padding, dilation)
        x = random_array(x_shape, np.float64)
        cols = random_array((x_shape[1], *kernel, x_shape[0], *out), np.float64, seed=2)
        left = np.vdot(gpu.im2col(x, kernel, stride, padding, dilation, out), cols)
        first = gpu.col2im(cols, x_shape, kernel, stride, padding, dilation)
        assert np.isclose(left, np.vdot(x, first), rtol=1e-12)
        np.testing.assert_array_equal(
            gpu.col2im(cols, x_shape, kernel, stride, padding, dilation), first
        )

    def test_col2im_accepts_a_broadcast_view(self, gpu):
        # Average pooling's backward hands col2im a broadcast (zero-stride) view.
        share = random_array((2, 1, 1, 2), np.float32)  # (C, 1, N, O) for kernel 2, stride 2
        dcols = np.broadcast_to(share, (2, 2, 1, 2))
        geometry = ((1, 2, 4), (2,), (2,), ((0, 0),), (1,))
        expected = im2col_ops.col2im(dcols, *geometry)
        np.testing.assert_array_equal(gpu.col2im(dcols, *geometry), expected)

    def test_strided_views_are_read_as_their_values(self, gpu):
        # x and grad_out as views (every other element of the last axis): the CUDA C kernels
        # read a plain C-contiguous array, so the views must reach them as contiguous copies
        x = random_array((2, 3, 5, 12), np.float64)[..., ::2]
        window = ((2, 2), (1, 2), ((1, 0), (0, 1)), (1, 1))
        out = output_shape(x.shape[2:], *window)
        np.testing.assert_array_equal(
            gpu.im2col(x, *window, out), im2col_ops.im2col(x, *window, out)
        )
        dy = random_array((2, 3, 2, 6), np.float64, seed=1)[..., ::2]  # pooling's y: (2, 3, 2, 3)
        for kind, backward in [("max", "max_pool_backward"), ("avg", "avg_pool_backward")]:
            _, cache = getattr(gpu, f"{kind}_pool_forward")(x, 2)
            _, expected_cache = getattr(pool_ops, f"{kind}_pool_forward")(x, 2)
            np.testing.assert_allclose(
                getattr(gpu, backward)(dy, cache),
                getattr(pool_ops, backward)(dy, expected_cache),
                rtol=1e-12,
            )

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("kind", ["max", "min"])
    @pytest.mark.parametrize(("x_shape", "kernel", "stride", "padding", "ceil_mode"), POOLS)
    def test_max_and_min_pooling_equal_the_numpy_code(
        self, gpu, x_shape, kernel, stride, padding, ceil_mode, kind, dtype
    ):
        x = random_array(x_shape, dtype)
        x_before = x.copy()
        forward = getattr(pool_ops, f"{kind}_pool_forward")
        expected, expected_cache = forward(x, kernel, stride, padding, ceil_mode)
        y, cache = getattr(gpu, f"{kind}_pool_forward")(x, kernel, stride, padding, ceil_mode)
        assert y.dtype == dtype and cache.routing.dtype == np.int32
        np.testing.assert_array_equal(y, expected)
        np.testing.assert_array_equal(cache.routing, expected_cache.routing)
        np.testing.assert_array_equal(x, x_before)

        dy = random_array(y.shape, dtype, seed=3)
        expected_dx = pool_ops.max_pool_backward(dy, expected_cache)
        dx = gpu.max_pool_backward(dy, cache)
        assert dx.dtype == dtype
        np.testing.assert_allclose(dx, expected_dx, rtol=1e-12 if dtype == np.float64 else 1e-6)
        # the CPU code's int64 winners work as well
        np.testing.assert_allclose(gpu.max_pool_backward(dy, expected_cache), dx, rtol=0)

    @pytest.mark.parametrize("kind", ["max", "min"])
    def test_pooling_ties_go_to_the_first_tap_and_the_last_nan_wins(self, gpu, kind):
        forward = getattr(gpu, f"{kind}_pool_forward")
        sign = 1.0 if kind == "max" else -1.0
        x = sign * np.array([[[[1.0, 1.0], [0.0, 1.0]]]])  # a tie between taps 0, 1 and 3
        y, cache = forward(x, 2)
        assert y[0, 0, 0, 0] == sign and cache.routing[0, 0, 0, 0] == 0
        x = np.array([[[2.0, np.nan, 3.0, np.nan]]])
        y, cache = forward(x, 4)
        _, expected_cache = getattr(pool_ops, f"{kind}_pool_forward")(x, 4)
        assert (
            np.isnan(y[0, 0, 0]) and cache.routing[0, 0, 0] == expected_cache.routing[0, 0, 0] == 3
        )
        x = np.array([[[-sign * np.inf, 5.0 * sign]]])  # ties with the padding's −∞ (+∞)
        y, cache = forward(x, 2, 1, 1)
        np.testing.assert_array_equal(y, [[[-sign * np.inf, 5.0 * sign, 5.0 * sign]]])
        np.testing.assert_array_equal(cache.routing, [[[1, 1, 0]]])  # never the padding tap 0

    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("count_include_pad", [True, False])
    @pytest.mark.parametrize(("x_shape", "kernel", "stride", "padding", "ceil_mode"), POOLS)
    def test_average_pooling_equals_the_numpy_code(
        self, gpu, x_shape, kernel, stride, padding, ceil_mode, count_include_pad, dtype
    ):
        x = random_array(x_shape, dtype)
        rtol = 1e-12 if dtype == np.float64 else 1e-5
        expected, expected_cache = pool_ops.avg_pool_forward(
            x, kernel, stride, padding, ceil_mode, count_include_pad
        )
        y, cache = gpu.avg_pool_forward(x, kernel, stride, padding, ceil_mode, count_include_pad)
        assert y.dtype == dtype
        np.testing.assert_allclose(y, expected, rtol=rtol, atol=rtol)
        dy = random_array(y.shape, dtype, seed=4)
        dx = gpu.avg_pool_backward(dy, cache)
        assert dx.dtype == dtype
        np.testing.assert_allclose(dx, pool_ops.avg_pool_backward(dy, expected_cache), rtol=rtol)

    def test_pooling_raises_the_numpy_codes_errors(self, gpu):
        x = np.zeros((1, 1, 4, 4))
        with pytest.raises(ValueError, match="padding must be at most half"):
            gpu.max_pool_forward(x, 2, padding=2)
        with pytest.raises(ValueError, match="expected a 3-d input"):
            gpu.avg_pool_forward(np.zeros((4, 4)), 2)
        with pytest.raises(TypeError, match="floating-point"):
            gpu.min_pool_forward(np.zeros((1, 1, 4), np.int64), 2)
        _, cache = gpu.max_pool_forward(x, 2)
        with pytest.raises(ValueError, match="grad_out must have shape"):
            gpu.max_pool_backward(np.zeros((1, 1, 3, 3)), cache)

    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(st.data())
    def test_pooling_windows_of_any_geometry(self, gpu, data):
        ndim = data.draw(st.integers(1, 3), label="ndim")
        kernel = tuple(data.draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
        stride = tuple(data.draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)))
        padding = tuple(data.draw(st.integers(0, k // 2)) for k in kernel)
        spatial = tuple(
            data.draw(st.integers(max(1, k - 2 * p), 5)) for k, p in zip(kernel, padding)
        )
        ceil_mode = data.draw(st.booleans(), label="ceil_mode")
        kind = data.draw(st.sampled_from(["max", "min", "avg"]), label="kind")
        x = random_array((1, 2, *spatial), np.float64, seed=data.draw(st.integers(0, 99)))
        out, _ = pool_geometry(spatial, kernel, stride, padding, ceil_mode)
        dy = random_array((1, 2, *out), np.float64, seed=5)
        forward = getattr(pool_ops, f"{kind}_pool_forward")
        backward = pool_ops.avg_pool_backward if kind == "avg" else pool_ops.max_pool_backward
        expected, expected_cache = forward(x, kernel, stride, padding, ceil_mode)
        y, cache = getattr(gpu, f"{kind}_pool_forward")(x, kernel, stride, padding, ceil_mode)
        np.testing.assert_allclose(y, expected, rtol=1e-12)
        gpu_backward = gpu.avg_pool_backward if kind == "avg" else gpu.max_pool_backward
        np.testing.assert_allclose(
            gpu_backward(dy, cache), backward(dy, expected_cache), rtol=1e-12
        )

    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(st.data())
    def test_im2col_and_col2im_of_any_geometry(self, gpu, data):
        ndim = data.draw(st.integers(1, 3), label="ndim")
        axes = st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim)
        kernel, stride, dilation = data.draw(axes), data.draw(axes), data.draw(axes)
        padding = tuple(
            (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in kernel
        )
        # each axis at least as wide as the window's span (less the padding), at most 4 wider
        smallest = [
            max(1, (k - 1) * d + 1 - lo - hi) for k, d, (lo, hi) in zip(kernel, dilation, padding)
        ]
        spatial = tuple(data.draw(st.integers(low, low + 4)) for low in smallest)
        x_shape = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)), *spatial)
        out = output_shape(spatial, kernel, stride, padding, dilation)
        x = random_array(x_shape, np.float64, seed=data.draw(st.integers(0, 99)))
        cols = gpu.im2col(x, kernel, stride, padding, dilation, out)
        np.testing.assert_array_equal(
            cols, im2col_ops.im2col(x, kernel, stride, padding, dilation, out)
        )
        dx = gpu.col2im(cols, x_shape, kernel, stride, padding, dilation)
        expected = im2col_ops.col2im(cols, x_shape, kernel, stride, padding, dilation)
        np.testing.assert_allclose(dx, expected, rtol=1e-12)
