"""Tanh: its relation to the sigmoid, oddness, the backward formula, dtypes, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.sigmoid import sigmoid_forward
from minicnn.ops.tanh import tanh_backward, tanh_forward
from minicnn.testing import arrays

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


@given(shapes, st.sampled_from([1.0, 10.0, 1e4]), st.data())
def test_tanh_is_a_rescaled_sigmoid_and_odd(shape, magnitude, data):
    x = data.draw(arrays(shape, low=-magnitude, high=magnitude))
    y, _ = tanh_forward(x)
    np.testing.assert_allclose(y, 2 * sigmoid_forward(2 * x)[0] - 1, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(tanh_forward(-x)[0], -y)
    assert np.all(np.abs(y) <= 1)


@given(shapes, st.data())
def test_backward_is_one_minus_y_squared(shape, data):
    x = data.draw(arrays(shape, low=-3, high=3))
    g = data.draw(arrays(shape))
    _, cache = tanh_forward(x)
    np.testing.assert_allclose(tanh_backward(g, cache), g / np.cosh(x) ** 2, rtol=1e-13)


def test_float32_stays_float32_and_large_inputs_saturate():
    y, cache = tanh_forward(np.array([-1e4, 0.0, 1e4], np.float32))
    np.testing.assert_array_equal(y, [-1, 0, 1])
    dx = tanh_backward(np.ones(3, np.float64), cache)
    assert y.dtype == dx.dtype == np.float32
    np.testing.assert_array_equal(dx, [0, 1, 0])


def test_never_modifies_its_arguments():
    x, g = np.linspace(-3, 3, 7), np.linspace(1, 2, 7)
    x_before, g_before = x.copy(), g.copy()
    tanh_backward(g, tanh_forward(x)[1])
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)


def test_errors():
    with pytest.raises(TypeError, match="floating-point array, got dtype bool"):
        tanh_forward(np.zeros(3, bool))
    _, cache = tanh_forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\), got \(2, 2\)"):
        tanh_backward(np.zeros((2, 2)), cache)
