"""Softmax and log-softmax along any axis: normalisation, shift invariance, log consistency,
stability at logits of magnitude 1e4, the backward pass against the explicit Jacobian."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.softmax import (
    log_softmax_backward,
    log_softmax_forward,
    softmax_backward,
    softmax_forward,
)
from minicnn.testing import arrays

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)
magnitudes = st.sampled_from([1.0, 10.0, 1e4])


@st.composite
def shapes_and_dims(draw):
    """A shape and an axis of it, negative half of the time."""
    shape = draw(shapes)
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


@given(shapes_and_dims(), magnitudes, st.floats(-100, 100), st.data())
def test_softmax_sums_to_one_and_ignores_shifts(shape_and_dim, magnitude, shift, data):
    shape, dim = shape_and_dim
    x = data.draw(arrays(shape, low=-magnitude, high=magnitude))
    y, _ = softmax_forward(x, dim)
    assert np.all(np.isfinite(y)) and np.all((y >= 0) & (y <= 1))
    np.testing.assert_allclose(y.sum(axis=dim), 1, rtol=0, atol=1e-13)
    np.testing.assert_allclose(softmax_forward(x + shift, dim)[0], y, rtol=1e-9, atol=1e-13)


@given(shapes_and_dims(), st.data())
def test_log_softmax_is_the_log_of_softmax(shape_and_dim, data):
    shape, dim = shape_and_dim
    x = data.draw(arrays(shape, low=-10, high=10))
    z, _ = log_softmax_forward(x, dim)
    np.testing.assert_allclose(z, np.log(softmax_forward(x, dim)[0]), rtol=1e-12, atol=1e-12)


@given(shapes_and_dims(), st.data())
def test_log_softmax_is_exact_at_large_logits(shape_and_dim, data):
    # z = x − max − log Σ e^(x − max): finite (no −inf from a log of an underflowed softmax)
    # and unchanged by a shift.
    shape, dim = shape_and_dim
    x = data.draw(arrays(shape, low=-1e4, high=1e4))
    z, _ = log_softmax_forward(x, dim)
    assert np.all(np.isfinite(z)) and np.all(z <= 0)
    lse = np.log(np.exp(x - x.max(axis=dim, keepdims=True)).sum(axis=dim, keepdims=True))
    np.testing.assert_allclose(z, x - x.max(axis=dim, keepdims=True) - lse, rtol=1e-14)
    np.testing.assert_allclose(log_softmax_forward(x - 1e4, dim)[0], z, rtol=1e-9, atol=1e-9)


def _per_vector(array, dim):
    """The 1-d slices of ``array`` along ``dim``, as rows of a 2-d array."""
    return np.moveaxis(array, dim, -1).reshape(-1, array.shape[dim])


@given(shapes_and_dims(), magnitudes, st.data())
def test_backward_passes_match_the_explicit_jacobians(shape_and_dim, magnitude, data):
    # For one vector: ∂softmax/∂x = diag(y) − y yᵀ, ∂log_softmax/∂x = I − 1 yᵀ; dx = Jᵀ g.
    shape, dim = shape_and_dim
    x = data.draw(arrays(shape, low=-magnitude, high=magnitude))
    g = data.draw(arrays(shape))
    y, softmax_cache = softmax_forward(x, dim)
    _, log_softmax_cache = log_softmax_forward(x, dim)
    dx_softmax = _per_vector(softmax_backward(g, softmax_cache), dim)
    dx_log_softmax = _per_vector(log_softmax_backward(g, log_softmax_cache), dim)
    for y_row, g_row, dx_row, dx_log_row in zip(
        _per_vector(y, dim), _per_vector(g, dim), dx_softmax, dx_log_softmax
    ):
        softmax_jacobian = np.diag(y_row) - np.outer(y_row, y_row)
        log_softmax_jacobian = np.eye(len(y_row)) - np.outer(np.ones_like(y_row), y_row)
        np.testing.assert_allclose(dx_row, softmax_jacobian.T @ g_row, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(
            dx_log_row, log_softmax_jacobian.T @ g_row, rtol=1e-10, atol=1e-13
        )


@given(shapes_and_dims(), st.data())
def test_gradients_sum_to_zero_along_the_axis(shape_and_dim, data):
    # Both functions ignore a common shift of x, so the gradient has no component along it.
    shape, dim = shape_and_dim
    x, g = data.draw(arrays(shape, low=-5, high=5)), data.draw(arrays(shape))
    for forward, backward in [
        (softmax_forward, softmax_backward),
        (log_softmax_forward, log_softmax_backward),
    ]:
        dx = backward(g, forward(x, dim)[1])
        np.testing.assert_allclose(dx.sum(axis=dim), 0, atol=1e-13)


def test_hand_computed_example():
    # softmax([0, ln 3]) = [1/4, 3/4] along the last axis; a large common offset changes nothing.
    x = np.array([[0.0, np.log(3.0)], [1e4, 1e4 + np.log(3.0)]])
    y, _ = softmax_forward(x, dim=-1)
    np.testing.assert_allclose(y, [[0.25, 0.75], [0.25, 0.75]], rtol=1e-12)
    z, _ = log_softmax_forward(x, dim=1)
    np.testing.assert_allclose(z, np.log([[0.25, 0.75], [0.25, 0.75]]), rtol=1e-12)


@pytest.mark.parametrize(
    "forward, backward",
    [(softmax_forward, softmax_backward), (log_softmax_forward, log_softmax_backward)],
)
def test_float32_stays_float32_and_is_stable(forward, backward):
    x = np.array([[1e4, -1e4, 0.0], [88.0, 89.0, 90.0]], np.float32)  # e^89 overflows float32
    y, cache = forward(x)
    dx = backward(np.ones(x.shape, np.float64), cache)
    assert y.dtype == dx.dtype == np.float32
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))


@pytest.mark.parametrize(
    "forward, backward",
    [(softmax_forward, softmax_backward), (log_softmax_forward, log_softmax_backward)],
)
def test_never_modifies_its_arguments(forward, backward):
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x_before, g_before = x.copy(), g.copy()
    backward(g, forward(x)[1])
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)


@pytest.mark.parametrize("forward", [softmax_forward, log_softmax_forward])
def test_bad_arguments_raise(forward):
    with pytest.raises(ValueError, match=r"dim must be in \[-2, 1\] for a 2-d input .* got 2"):
        forward(np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match=r"dim must be in \[-2, 1\] .* got -3"):
        forward(np.zeros((2, 3)), -3)
    with pytest.raises(TypeError, match="dim must be an int, got True"):
        forward(np.zeros((2, 3)), True)
    with pytest.raises(TypeError, match=r"dim must be an int, got 1\.0"):
        forward(np.zeros((2, 3)), 1.0)
    with pytest.raises(ValueError, match="at least 1 axis, got a 0-d array"):
        forward(np.zeros(()), 0)
    with pytest.raises(TypeError, match="floating-point array, got dtype int64"):
        forward(np.zeros((2, 3), np.int64))


@pytest.mark.parametrize(
    "forward, backward",
    [(softmax_forward, softmax_backward), (log_softmax_forward, log_softmax_backward)],
)
def test_grad_out_of_the_wrong_shape_raises(forward, backward):
    _, cache = forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\), got \(3, 2\)"):
        backward(np.zeros((3, 2)), cache)


@pytest.mark.parametrize(
    ("forward", "backward"),
    [(softmax_forward, softmax_backward), (log_softmax_forward, log_softmax_backward)],
)
@pytest.mark.parametrize("shape, dim", [((2, 0), 1), ((0, 3), 0), ((0, 3), 1), ((2, 0, 4), -2)])
def test_empty_inputs_give_empty_results_as_pytorch(forward, backward, shape, dim):
    y, cache = forward(np.zeros(shape, np.float32), dim)
    dx = backward(np.zeros(shape, np.float32), cache)
    assert y.shape == dx.shape == shape and y.dtype == dx.dtype == np.float32
