"""Sigmoid: symmetry, range, stability for large |x|, the backward formula, dtypes, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.sigmoid import sigmoid_backward, sigmoid_forward
from minicnn.testing import arrays

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)
magnitudes = st.sampled_from([1.0, 10.0, 100.0, 1e4])


@given(shapes, magnitudes, st.data())
def test_sigmoid_of_minus_x_is_one_minus_sigmoid_of_x(shape, magnitude, data):
    x = data.draw(arrays(shape, low=-magnitude, high=magnitude))
    y, _ = sigmoid_forward(x)
    y_neg, _ = sigmoid_forward(-x)
    np.testing.assert_allclose(y_neg, 1 - y, rtol=0, atol=1e-15)
    assert np.all((y >= 0) & (y <= 1))


@given(shapes, st.data())
def test_matches_the_textbook_formula_where_it_does_not_overflow(shape, data):
    x = data.draw(arrays(shape, low=-30, high=30))
    y, cache = sigmoid_forward(x)
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-x)), rtol=1e-14, atol=0)
    g = data.draw(arrays(shape))
    np.testing.assert_allclose(sigmoid_backward(g, cache), g * y * (1 - y), rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_large_magnitudes_saturate_without_overflow(dtype):
    # 1 / (1 + exp(1e4)) would overflow (a RuntimeWarning, which the test suite turns into an
    # error); the stable form never evaluates exp of a positive number.
    x = np.array([-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4], dtype)
    y, cache = sigmoid_forward(x)
    assert y.dtype == dtype and np.all(np.isfinite(y))
    np.testing.assert_array_equal(y[[0, 1, 3, 5, 6]], [0, 0, 0.5, 1, 1])
    assert 0 < y[2] < 1e-20  # σ(−50) ≈ 1.9e-22, representable in float32 too
    dx = sigmoid_backward(np.ones_like(x), cache)
    assert np.all(np.isfinite(dx)) and dx[3] == 0.25


def test_float32_stays_float32():
    y, cache = sigmoid_forward(np.linspace(-3, 3, 7, dtype=np.float32))
    assert y.dtype == np.float32
    assert sigmoid_backward(np.ones(7, np.float64), cache).dtype == np.float32


def test_never_modifies_its_arguments():
    x, g = np.linspace(-3, 3, 7), np.linspace(1, 2, 7)
    x_before, g_before = x.copy(), g.copy()
    sigmoid_backward(g, sigmoid_forward(x)[1])
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)


def test_errors():
    with pytest.raises(TypeError, match="floating-point array, got dtype int32"):
        sigmoid_forward(np.zeros(3, np.int32))
    _, cache = sigmoid_forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\), got \(6,\)"):
        sigmoid_backward(np.zeros(6), cache)
