"""Flatten: the result is a reshape in C order, the backward pass undoes it, errors."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.flatten import flatten_backward, flatten_forward
from minicnn.testing import arrays


@st.composite
def shapes_and_ranges(draw):
    """A shape and a valid (start_dim, end_dim), each written positive or negative."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=5)))
    start = draw(st.integers(0, len(shape) - 1))
    end = draw(st.integers(start, len(shape) - 1))
    start -= len(shape) * draw(st.booleans())
    end -= len(shape) * draw(st.booleans())
    return shape, start, end


@given(shapes_and_ranges(), st.data())
def test_merges_the_axes_in_c_order_and_backward_undoes_it(shape_and_range, data):
    shape, start_dim, end_dim = shape_and_range
    start, end = start_dim % len(shape), end_dim % len(shape)
    x = data.draw(arrays(shape))
    y, cache = flatten_forward(x, start_dim, end_dim)
    merged = math.prod(shape[start : end + 1])
    assert y.shape == (*shape[:start], merged, *shape[end + 1 :])
    np.testing.assert_array_equal(y.ravel(), x.ravel())  # same numbers, same order
    g = data.draw(arrays(y.shape))
    dx = flatten_backward(g, cache)
    assert dx.shape == x.shape
    np.testing.assert_array_equal(dx.ravel(), g.ravel())


def test_defaults_keep_the_batch_axis():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    y, cache = flatten_forward(x)
    assert y.shape == (2, 60) and y.dtype == np.float32
    assert np.shares_memory(y, x)  # a view, as in PyTorch, not a copy
    np.testing.assert_array_equal(y[1], np.arange(60, 120))
    assert flatten_backward(np.ones((2, 60)), cache).dtype == np.float32


def test_zero_d_input_becomes_one_d_as_in_pytorch():
    y, cache = flatten_forward(np.array(3.0), 0, -1)
    assert y.shape == (1,)
    assert flatten_backward(np.ones(1), cache).shape == ()


def test_never_modifies_its_arguments():
    x, g = np.arange(24.0).reshape(2, 3, 4), np.ones((2, 12))
    _, cache = flatten_forward(x)
    dx = flatten_backward(g, cache)
    np.testing.assert_array_equal(x, np.arange(24.0).reshape(2, 3, 4))
    np.testing.assert_array_equal(g, 1)
    assert dx.shape == (2, 3, 4)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(start_dim=2, end_dim=1), ValueError, r"start_dim \(2\) must not come after end_dim"),
        (dict(start_dim=-1, end_dim=1), ValueError, r"start_dim \(-1\) must not come after"),
        (dict(start_dim=3), ValueError, r"start_dim must be in \[-3, 2\] for a 3-d input"),
        (dict(end_dim=-4), ValueError, r"end_dim must be in \[-3, 2\]"),
        (dict(start_dim=True), TypeError, "start_dim must be an int, got True"),
        (dict(end_dim="last"), TypeError, "end_dim must be an int"),
    ],
)
def test_bad_dims_raise(kwargs, error, message):
    with pytest.raises(error, match=message):
        flatten_forward(np.zeros((2, 3, 4)), **kwargs)


def test_bad_inputs_raise():
    with pytest.raises(TypeError, match="floating-point array, got dtype int64"):
        flatten_forward(np.zeros((2, 3), np.int64))
    _, cache = flatten_forward(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 12\), got \(12, 2\)"):
        flatten_backward(np.zeros((12, 2)), cache)
