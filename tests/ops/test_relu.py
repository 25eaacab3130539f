"""ReLU and leaky ReLU: exact elementwise identities, the rule at 0, dtypes and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.relu import (
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
)
from minicnn.testing import arrays

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)
slopes = st.floats(0, 1)


@given(shapes, st.data())
def test_relu_keeps_the_positive_part(shape, data):
    x = data.draw(arrays(shape))
    y, cache = relu_forward(x)
    np.testing.assert_array_equal(y, np.where(x > 0, x, 0))
    np.testing.assert_array_equal(y - relu_forward(-x)[0], x)  # x = relu(x) − relu(−x)
    g = data.draw(arrays(shape))
    np.testing.assert_array_equal(relu_backward(g, cache), np.where(x > 0, g, 0))


@given(shapes, slopes, st.data())
def test_leaky_relu_is_the_larger_of_x_and_slope_x(shape, slope, data):
    x = data.draw(arrays(shape))
    y, cache = leaky_relu_forward(x, slope)
    np.testing.assert_array_equal(y, np.maximum(x, slope * x))  # for 0 <= slope <= 1
    g = data.draw(arrays(shape))
    np.testing.assert_array_equal(leaky_relu_backward(g, cache), np.where(x > 0, g, slope * g))


@given(shapes, st.data())
def test_leaky_relu_with_slope_zero_is_relu(shape, data):
    x = data.draw(arrays(shape))
    g = data.draw(arrays(shape))
    y, cache = leaky_relu_forward(x, 0.0)
    relu_y, relu_cache = relu_forward(x)
    np.testing.assert_array_equal(y, relu_y)
    np.testing.assert_array_equal(leaky_relu_backward(g, cache), relu_backward(g, relu_cache))


def test_gradient_at_zero_follows_pytorch():
    # PyTorch: ReLU passes no gradient at x == 0, leaky ReLU passes slope · grad_out there.
    x = np.array([-1.0, 0.0, 2.0])
    g = np.array([4.0, 8.0, 7.0])
    np.testing.assert_array_equal(relu_backward(g, relu_forward(x)[1]), [0, 0, 7])
    np.testing.assert_array_equal(leaky_relu_backward(g, leaky_relu_forward(x, 0.25)[1]), [1, 2, 7])


def test_nan_propagates_and_takes_the_gradient_as_in_pytorch():
    y, cache = relu_forward(np.array([np.nan, -1.0, 0.0, 2.0]))
    assert np.isnan(y[0]) and list(y[1:]) == [0, 0, 2]
    # PyTorch's threshold_backward zeroes dy where x <= 0, which NaN is not
    np.testing.assert_array_equal(relu_backward(np.ones(4), cache), [1, 0, 0, 1])
    y, cache = leaky_relu_forward(np.array([np.nan, -1.0]), 0.5)
    assert np.isnan(y[0]) and y[1] == -0.5
    np.testing.assert_array_equal(leaky_relu_backward(np.ones(2), cache), [0.5, 0.5])


@pytest.mark.parametrize(
    "forward, backward",
    [(relu_forward, relu_backward), (leaky_relu_forward, leaky_relu_backward)],
)
def test_float32_stays_float32(forward, backward):
    x = np.array([[-2.0, 0.5], [1.5, -0.25]], np.float32)
    y, cache = forward(x)
    dx = backward(np.ones(x.shape, np.float64), cache)  # grad_out is cast to x's dtype
    assert y.dtype == dx.dtype == np.float32


def test_numpy_slope_does_not_promote_float32():
    y, cache = leaky_relu_forward(-np.ones(3, np.float32), np.float64(0.2))
    assert y.dtype == np.float32
    assert leaky_relu_backward(np.ones(3, np.float32), cache).dtype == np.float32


@given(shapes, st.data())
def test_never_modifies_its_arguments(shape, data):
    x = data.draw(arrays(shape))
    g = data.draw(arrays(shape))
    x_before, g_before = x.copy(), g.copy()
    for forward, backward in [
        (relu_forward, relu_backward),
        (leaky_relu_forward, leaky_relu_backward),
    ]:
        _, cache = forward(x)
        backward(g, cache)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)


@pytest.mark.parametrize("forward", [relu_forward, leaky_relu_forward])
def test_bad_inputs_raise(forward):
    with pytest.raises(TypeError, match="floating-point array, got dtype int64"):
        forward(np.zeros(3, np.int64))
    with pytest.raises(TypeError, match="got list"):
        forward([1.0, -1.0])


@pytest.mark.parametrize(
    "forward, backward",
    [(relu_forward, relu_backward), (leaky_relu_forward, leaky_relu_backward)],
)
def test_grad_out_of_the_wrong_shape_raises(forward, backward):
    _, cache = forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\), got \(3, 2\)"):
        backward(np.zeros((3, 2)), cache)


@pytest.mark.parametrize("slope", [True, "0.1", None])
def test_bad_negative_slope_raises(slope):
    with pytest.raises(TypeError, match="negative_slope must be a real number"):
        leaky_relu_forward(np.zeros(2), slope)
