"""Local response normalisation: a per-channel loop reference, hand-computed values, exact
properties, dtypes and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.local_response_norm import (
    local_response_norm_backward,
    local_response_norm_forward,
)
from minicnn.testing import arrays


@st.composite
def lrn_cases(draw):
    """(shape, size, alpha, beta, k): inputs of 3 to 5 dimensions, windows of 1 to 6."""
    spatial = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 7)), *spatial)
    size = draw(st.integers(1, 6))
    alpha = draw(st.floats(0.0, 2.0))
    beta = draw(st.floats(0.0, 1.5))
    k = draw(st.floats(0.5, 3.0))
    return shape, size, alpha, beta, k


def naive_local_response_norm(x, size, alpha, beta, k):
    """One channel at a time, the window clipped to the existing channels."""
    y = np.empty_like(x)
    channels = x.shape[1]
    for c in range(channels):
        window = range(max(0, c - size // 2), min(channels, c + (size - 1) // 2 + 1))
        energy = sum(x[:, j] ** 2 for j in window)
        y[:, c] = x[:, c] / (k + alpha / size * energy) ** beta
    return y


@given(lrn_cases(), st.data())
def test_forward_matches_the_loop_reference(case, data):
    shape, size, alpha, beta, k = case
    x = data.draw(arrays(shape, low=-3, high=3))
    y, _ = local_response_norm_forward(x, size, alpha, beta, k)
    np.testing.assert_allclose(
        y, naive_local_response_norm(x, size, alpha, beta, k), rtol=1e-12, atol=1e-14
    )


@given(lrn_cases(), st.data())
def test_backward_is_the_vector_jacobian_product(case, data):
    # <dx, u> must equal the directional derivative of <g, y(x)> along u (central difference).
    shape, size, alpha, beta, k = case
    x = data.draw(arrays(shape, low=-3, high=3))
    g, u = data.draw(arrays(shape)), data.draw(arrays(shape))
    _, cache = local_response_norm_forward(x, size, alpha, beta, k)
    dx = local_response_norm_backward(g, cache)
    eps = 1e-6
    forward_plus = local_response_norm_forward(x + eps * u, size, alpha, beta, k)[0]
    forward_minus = local_response_norm_forward(x - eps * u, size, alpha, beta, k)[0]
    numerical = np.vdot(g, forward_plus - forward_minus) / (2 * eps)
    np.testing.assert_allclose(np.vdot(dx, u), numerical, rtol=1e-6, atol=1e-8)


def test_hand_computed_example():
    # Channels [1, 2, 3], size 2: PyTorch's window for channel c is c − 1 … c.
    # s = 1 + (1/2)·[1, 1 + 4, 4 + 9] = [1.5, 3.5, 7.5];  y = x / s (beta = 1).
    x = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
    y, cache = local_response_norm_forward(x, size=2, alpha=1.0, beta=1.0, k=1.0)
    np.testing.assert_allclose(y.ravel(), [1 / 1.5, 2 / 3.5, 3 / 7.5], rtol=1e-15)
    # dy/dx with g = [1, 0, 0]: ∂y_0/∂x_0 = 1/s_0 − x_0²/s_0² = 2/3 − 4/9 = 2/9;
    # ∂y_0/∂x_1 = 0 (x_1 is not in channel 0's window); ∂y_0/∂x_2 = 0.
    dx = local_response_norm_backward(np.array([1.0, 0, 0]).reshape(1, 3, 1), cache)
    np.testing.assert_allclose(dx.ravel(), [2 / 9, 0, 0], atol=1e-15)
    # g = [0, 1, 0]: ∂y_1/∂x_0 = −x_1·x_0/s_1² = −2/12.25; ∂y_1/∂x_1 = 1/s_1 − x_1²/s_1².
    dx = local_response_norm_backward(np.array([0, 1.0, 0]).reshape(1, 3, 1), cache)
    np.testing.assert_allclose(dx.ravel(), [-2 / 12.25, 1 / 3.5 - 4 / 12.25, 0], atol=1e-15)


@given(lrn_cases(), st.data())
def test_alpha_zero_divides_by_k_to_the_beta(case, data):
    shape, size, _, beta, k = case
    x = data.draw(arrays(shape, low=-3, high=3))
    y, cache = local_response_norm_forward(x, size, 0.0, beta, k)
    np.testing.assert_allclose(y, x / k**beta, rtol=1e-14)
    g = data.draw(arrays(shape))
    np.testing.assert_allclose(local_response_norm_backward(g, cache), g / k**beta, rtol=1e-14)


@given(lrn_cases(), st.data())
def test_size_one_acts_on_each_value_alone(case, data):
    shape, _, alpha, beta, k = case
    x = data.draw(arrays(shape, low=-3, high=3))
    y, _ = local_response_norm_forward(x, 1, alpha, beta, k)
    np.testing.assert_allclose(y, x * (k + alpha * x**2) ** -beta, rtol=1e-13)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_a_channel_reaches_only_the_outputs_whose_window_holds_it(size):
    # Perturbing channel j changes output c exactly when c − size//2 ≤ j ≤ c + (size − 1)//2.
    rng = np.random.default_rng(size)
    x = rng.uniform(0.5, 1.5, (1, 9, 2))
    y, _ = local_response_norm_forward(x, size, alpha=1.0)
    j = 4
    bumped = x.copy()
    bumped[:, j] += 1
    changed = np.any(local_response_norm_forward(bumped, size, alpha=1.0)[0] != y, axis=(0, 2))
    expected = [c - size // 2 <= j <= c + (size - 1) // 2 for c in range(9)]
    np.testing.assert_array_equal(changed, expected)


@given(lrn_cases(), st.data())
def test_float32_stays_float32_and_agrees_with_float64(case, data):
    shape, size, alpha, beta, k = case
    x = data.draw(arrays(shape, np.float32, low=-3, high=3))
    g = data.draw(arrays(shape, np.float32))
    y, cache = local_response_norm_forward(x, size, alpha, beta, k)
    dx = local_response_norm_backward(g, cache)
    assert y.dtype == np.float32 and dx.dtype == np.float32
    y64, cache64 = local_response_norm_forward(x.astype(np.float64), size, alpha, beta, k)
    np.testing.assert_allclose(y, y64, rtol=1e-5, atol=1e-6)
    dx64 = local_response_norm_backward(g.astype(np.float64), cache64)
    np.testing.assert_allclose(dx, dx64, rtol=1e-4, atol=1e-5)


def test_grad_out_of_another_dtype_is_cast_to_the_input_dtype():
    _, cache = local_response_norm_forward(np.ones((1, 3, 2), np.float32), 3, alpha=1.0)
    assert local_response_norm_backward(np.ones((1, 3, 2)), cache).dtype == np.float32


@given(lrn_cases(), st.data())
def test_never_modifies_its_arguments(case, data):
    shape, size, alpha, beta, k = case
    x = data.draw(arrays(shape))
    g = data.draw(arrays(shape))
    x_before, g_before = x.copy(), g.copy()
    _, cache = local_response_norm_forward(x, size, alpha, beta, k)
    first = local_response_norm_backward(g, cache)
    np.testing.assert_array_equal(local_response_norm_backward(g, cache), first)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, g_before)


@pytest.mark.parametrize(
    ("x", "kwargs", "error", "message"),
    [
        (np.zeros((2, 3)), {}, ValueError, r"at least 3 dimensions, got 2-d with shape \(2, 3\)"),
        (np.zeros((1, 3, 2), np.int32), {}, TypeError, "floating-point array, got dtype int32"),
        ([[[0.0]]], {}, TypeError, r"array of shape \(N, C, \*spatial\), got list"),
        (np.zeros((1, 3, 2)), {"size": 0}, ValueError, "size must be >= 1, got 0"),
        (np.zeros((1, 3, 2)), {"size": 2.0}, TypeError, "size must be an int"),
        (np.zeros((1, 3, 2)), {"alpha": "big"}, TypeError, "alpha must be a real number"),
        (np.zeros((1, 3, 2)), {"beta": None}, TypeError, "beta must be a real number"),
        (np.zeros((1, 3, 2)), {"k": True}, TypeError, "k must be a real number"),
    ],
)
def test_bad_arguments_raise(x, kwargs, error, message):
    arguments = dict(size=2) | kwargs
    with pytest.raises(error, match=message):
        local_response_norm_forward(x, **arguments)


def test_grad_out_of_the_wrong_shape_raises():
    _, cache = local_response_norm_forward(np.ones((1, 3, 2)), 2)
    with pytest.raises(ValueError, match=r"grad_out must have shape \(1, 3, 2\), got \(1, 2, 3\)"):
        local_response_norm_backward(np.ones((1, 2, 3)), cache)
