"""The compiled max/min pooling against the NumPy version it replaces for float32/float64
(the other pooling tests run the compiled one; here both run, on the same inputs)."""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops import pool_compiled
from minicnn.ops.pool import max_pool_backward, max_pool_forward, min_pool_forward
from minicnn.testing import arrays, pool_configs

FORWARD = {"max": max_pool_forward, "min": min_pool_forward}


def numpy_version():
    """Within the block, pooling takes the NumPy path."""
    return mock.patch.object(pool_compiled, "supports", return_value=False)


@pytest.mark.parametrize("kind", ["max", "min"])
@given(
    config=pool_configs(max_extra_size=4),
    dtype=st.sampled_from([np.float32, np.float64]),
    integers=st.booleans(),  # small integers: many ties
    data=st.data(),
)
def test_same_outputs_winners_and_gradients(kind, config, dtype, integers, data):
    x = data.draw(arrays(config.input_shape, dtype, low=-3, high=3))
    x = np.round(x) if integers else x
    y, cache = FORWARD[kind](x, **config.hyperparameters())
    with numpy_version():
        y_numpy, cache_numpy = FORWARD[kind](x, **config.hyperparameters())
    assert y.dtype == dtype and type(cache.routing) is np.ndarray
    np.testing.assert_array_equal(y, y_numpy)
    np.testing.assert_array_equal(cache.routing, cache_numpy.routing)

    grad_out = data.draw(arrays(y.shape, dtype))
    dx = max_pool_backward(grad_out, cache)
    with numpy_version():
        dx_numpy = max_pool_backward(grad_out, cache_numpy)
    assert dx.dtype == dtype and dx.flags.c_contiguous
    np.testing.assert_allclose(dx, dx_numpy, rtol=1e-6, atol=1e-6)
    # The caches are interchangeable: the compiled backward of the NumPy forward's cache.
    np.testing.assert_allclose(max_pool_backward(grad_out, cache_numpy), dx_numpy, atol=1e-6)


def test_the_last_nan_wins_its_window():
    x = np.array([[[np.nan, 1.0, np.nan, 2.0, np.nan, 3.0]]])
    y, cache = max_pool_forward(x, 3)
    assert np.isnan(y).all()  # each window holds a NaN: two in the first, one in the second
    np.testing.assert_array_equal(cache.routing[0, 0], [2, 1])
    dx = max_pool_backward(np.ones_like(y), cache)
    np.testing.assert_array_equal(dx, [[[0, 0, 1, 0, 1, 0]]])


def test_a_window_of_minus_infinity_sends_its_gradient_to_the_input():
    x = np.full((1, 1, 3), -np.inf)
    y, cache = max_pool_forward(x, 2, stride=2, padding=1)  # windows (pad, x0), (x1, x2)
    assert np.all(y == -np.inf)
    dx = max_pool_backward(np.ones_like(y), cache)
    np.testing.assert_array_equal(dx, [[[1.0, 1.0, 0.0]]])


def test_other_dtypes_and_dims_take_the_numpy_path():
    assert not pool_compiled.supports(np.ones((1, 1, 4), np.float16))
    assert not pool_compiled.supports(np.ones((1, 1, 4), ">f8"))
    assert not pool_compiled.supports(np.ones((1, 1, 2, 2, 2, 2)))
    assert pool_compiled.supports(np.ones((1, 1, 2, 2, 2), np.float32))
    y, _ = max_pool_forward(np.arange(8, dtype=np.float16).reshape(1, 1, 8), 2)
    np.testing.assert_array_equal(y, [[[1, 3, 5, 7]]])
