"""Pooling against a naive loop reference, exact properties, ties, errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.ops.pool import (
    avg_pool_backward,
    avg_pool_forward,
    max_pool_backward,
    max_pool_forward,
    min_pool_forward,
)
from minicnn.testing import arrays, distinct_arrays, pool_configs


def _windows(config, out_shape):
    """For each output position: per axis, the valid input indices and the two window sizes
    PyTorch divides by (clipped to the padded input / to the input)."""
    for o in itertools.product(*(range(n) for n in out_shape)):
        indices, with_pad, without_pad = [], 1, 1
        for oi, k, s, p, size in zip(
            o, config.kernel_size, config.stride, config.padding, config.spatial
        ):
            start, end = oi * s - p, min(oi * s - p + k, size + p)
            valid = [i for i in range(start, end) if 0 <= i < size]
            indices.append(valid)
            with_pad *= end - start
            without_pad *= len(valid)
        yield o, indices, with_pad, without_pad


def naive_pool(config, x, kind):
    """Loops over output positions; returns y and, for max/min, the winning input indices."""
    y_shape = _out_shape(config)
    y = np.zeros((*x.shape[:2], *y_shape))
    winners = {}
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
        for o, indices, with_pad, without_pad in _windows(config, y_shape):
            window = x[n, c][np.ix_(*indices)]
            if kind == "avg":
                divisor = with_pad if config.count_include_pad else without_pad
                y[(n, c, *o)] = window.sum() / divisor
            else:
                flat = window.argmax() if kind == "max" else window.argmin()
                at = np.unravel_index(flat, window.shape)
                winners[(n, c, *o)] = tuple(ix[a] for ix, a in zip(indices, at))
                y[(n, c, *o)] = window[at]
    return y, winners


def _out_shape(config):
    shape = []
    for size, k, s, p in zip(config.spatial, config.kernel_size, config.stride, config.padding):
        steps = size + 2 * p - k
        out = (-(-steps // s) if config.ceil_mode else steps // s) + 1
        if config.ceil_mode and (out - 1) * s >= size + p:
            out -= 1
        shape.append(out)
    return tuple(shape)


FORWARD = {"max": max_pool_forward, "min": min_pool_forward}


@pytest.mark.parametrize("kind", ["max", "min"])
@given(config=pool_configs(), data=st.data())
def test_max_and_min_match_the_naive_reference(kind, config, data):
    x = data.draw(distinct_arrays(config.input_shape))
    y, cache = FORWARD[kind](x, **config.hyperparameters())
    expected, winners = naive_pool(config, x, kind)
    np.testing.assert_array_equal(y, expected)
    grad_out = data.draw(arrays(y.shape))
    dx = max_pool_backward(grad_out, cache)
    expected_dx = np.zeros_like(x)
    for (n, c, *o), at in winners.items():
        expected_dx[(n, c, *at)] += grad_out[(n, c, *o)]
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-12, atol=1e-12)


@given(config=pool_configs(), data=st.data())
def test_avg_matches_the_naive_reference_and_is_its_own_adjoint(config, data):
    x = data.draw(arrays(config.input_shape))
    y, cache = avg_pool_forward(
        x, count_include_pad=config.count_include_pad, **config.hyperparameters()
    )
    np.testing.assert_allclose(y, naive_pool(config, x, "avg")[0], rtol=1e-12, atol=1e-12)
    grad_out = data.draw(arrays(y.shape))
    dx = avg_pool_backward(grad_out, cache)
    # Average pooling is linear, so its backward is its adjoint: <pool(x), g> = <x, dx(g)>.
    np.testing.assert_allclose(np.vdot(y, grad_out), np.vdot(x, dx), rtol=1e-10, atol=1e-12)


@given(config=pool_configs(), data=st.data())
def test_min_pooling_is_max_pooling_of_the_negation(config, data):
    x = data.draw(distinct_arrays(config.input_shape))
    np.testing.assert_array_equal(
        min_pool_forward(x, **config.hyperparameters())[0],
        -max_pool_forward(-x, **config.hyperparameters())[0],
    )


@given(config=pool_configs(max_extra_size=2), data=st.data())
def test_layers_pass_gradcheck(config, data):
    x = data.draw(distinct_arrays(config.input_shape))
    hyper = config.hyperparameters()
    d = config.ndim
    layers = [
        getattr(mc.nn, f"MaxPool{d}d")(**hyper),
        getattr(mc.nn, f"MinPool{d}d")(**hyper),
        getattr(mc.nn, f"AvgPool{d}d")(count_include_pad=config.count_include_pad, **hyper),
    ]
    for layer in layers:
        assert mc.gradcheck(layer, x)


def test_ties_send_the_gradient_to_the_first_position_in_the_window():
    x = np.ones((1, 1, 4, 4))
    _, cache = max_pool_forward(x, 2)
    dx = max_pool_backward(np.arange(1.0, 5.0).reshape(1, 1, 2, 2), cache)
    expected = np.zeros((4, 4))
    expected[::2, ::2] = [[1, 2], [3, 4]]
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_padding_never_wins_even_against_negative_inputs():
    x = -np.arange(1.0, 6.0).reshape(1, 1, 5)  # all negative: zero padding would win
    y, _ = max_pool_forward(x, 3, stride=2, padding=1)
    np.testing.assert_array_equal(y, [[[-1.0, -2.0, -4.0]]])
    y, _ = min_pool_forward(-x, 3, stride=2, padding=1)
    np.testing.assert_array_equal(y, [[[1.0, 2.0, 4.0]]])


# float64 takes the compiled kernels, float16 the NumPy windows
@pytest.mark.parametrize("dtype", [np.float64, np.float16])
@pytest.mark.parametrize(
    ("forward", "infinity"), [(max_pool_forward, -np.inf), (min_pool_forward, np.inf)]
)
def test_padding_never_wins_a_tie_with_an_infinite_input(forward, infinity, dtype):
    x = np.array([[[infinity, infinity, 5.0, infinity]]], dtype)
    y, cache = forward(x, 3, stride=2, padding=1)
    np.testing.assert_array_equal(y, [[[infinity, 5.0]]])
    dx = max_pool_backward(np.array([[[1.0, 2.0]]], dtype), cache)
    np.testing.assert_array_equal(dx, [[[1.0, 0.0, 2.0, 0.0]]])  # the first tap of the input


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
def test_a_nan_wins_its_window(dtype):
    x = np.array([[[1.0, np.nan, 3.0, 2.0]]], dtype)
    for forward in (max_pool_forward, min_pool_forward):
        y, cache = forward(x, 2)
        np.testing.assert_array_equal(y, [[[np.nan, 3.0 if forward is max_pool_forward else 2.0]]])
        dx = max_pool_backward(np.ones((1, 1, 2), dtype), cache)
        np.testing.assert_array_equal(dx[0, 0, :2], [0.0, 1.0])
        y, cache = forward(np.array([[[np.nan, 1.0, np.nan, 2.0]]], dtype), 4)
        np.testing.assert_array_equal(cache.routing, [[[2]]])  # of several NaNs, the last


def test_ceil_mode_hand_computed():
    x = np.arange(1.0, 6.0).reshape(1, 1, 5)
    np.testing.assert_array_equal(max_pool_forward(x, 2, ceil_mode=True)[0], [[[2, 4, 5]]])
    np.testing.assert_array_equal(max_pool_forward(x, 2)[0], [[[2, 4]]])
    # The last window holds 5 alone: it hangs past the input, and the overhang is not counted.
    np.testing.assert_array_equal(avg_pool_forward(x, 2, ceil_mode=True)[0], [[[1.5, 3.5, 5]]])
    # With padding 1 the first window is [pad, 1]: counted as 2 with the pad, 1 without it.
    np.testing.assert_array_equal(avg_pool_forward(x, 2, padding=1)[0], [[[0.5, 2.5, 4.5]]])
    np.testing.assert_array_equal(
        avg_pool_forward(x, 2, padding=1, count_include_pad=False)[0], [[[1, 2.5, 4.5]]]
    )


@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("x_shape", "dtype"),
    [
        ((2, 3, 6, 6), np.float32),  # the compiled kernels
        ((1, 2, 4, 4), np.float16),  # NumPy: a dtype the kernels do not take
        ((1, 1, 4, 4, 4, 4), np.float32),  # NumPy: more spatial dims than the kernels take
    ],
)
@pytest.mark.parametrize("forward", [max_pool_forward, min_pool_forward, avg_pool_forward])
def test_the_input_dtype_in_and_out_and_inputs_untouched(forward, x_shape, dtype, grad_dtype):
    # A float64 grad_out (np.ones(y.shape), say) must not turn a float32 gradient into float64.
    x = np.random.default_rng(0).standard_normal(x_shape).astype(dtype)
    before = x.copy()
    y, cache = forward(x, 3, 2, 1, True)
    backward = avg_pool_backward if forward is avg_pool_forward else max_pool_backward
    grad_out = np.ones(y.shape, grad_dtype)
    dx = backward(grad_out, cache)
    assert y.dtype == dx.dtype == dtype
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(grad_out, 1.0)


@pytest.mark.parametrize(
    ("x_shape", "kwargs", "error", "message"),
    [
        ((1, 1, 5), dict(kernel_size=2, padding=2), ValueError, "at most half of kernel_size"),
        ((1, 1, 5), dict(kernel_size=0), ValueError, "kernel_size must be >= 1"),
        ((1, 1, 5), dict(kernel_size=2, stride=0), ValueError, "stride must be >= 1"),
        ((1, 1, 5), dict(kernel_size=2, ceil_mode="yes"), TypeError, "ceil_mode"),
        ((1, 1, 2), dict(kernel_size=3), ValueError, "kernel larger than the padded input"),
        ((1, 5), dict(kernel_size=2), ValueError, "expected a 3-d input"),
        ((1, 1, 0), dict(kernel_size=1), ValueError, "non-empty spatial shape"),
    ],
)
def test_bad_arguments(x_shape, kwargs, error, message):
    with pytest.raises(error, match=message):
        max_pool_forward(np.zeros(x_shape), **kwargs)


@pytest.mark.parametrize("flag", ["ceil_mode", "count_include_pad"])
@pytest.mark.parametrize("value", ["x", None, 0.5])
def test_avg_pool_rejects_a_flag_that_is_not_a_boolean(flag, value):
    with pytest.raises(TypeError, match=rf"{flag} must be True or False, got {value!r}"):
        avg_pool_forward(np.zeros((1, 1, 4)), 2, **{flag: value})


def test_bad_grad_out():
    _, cache = avg_pool_forward(np.zeros((1, 2, 4)), 2)
    with pytest.raises(ValueError, match=r"grad_out must have shape \(1, 2, 2\)"):
        avg_pool_backward(np.zeros((1, 2, 3)), cache)
    _, cache = max_pool_forward(np.zeros((1, 2, 4)), 2)
    with pytest.raises(ValueError, match=r"grad_out must have shape \(1, 2, 2\)"):
        max_pool_backward(np.zeros((2, 1, 2)), cache)
