import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays as np_arrays

from minicnn.nn import Parameter
from minicnn.optim import SGD

P0 = np.array([1.0, -2.0, 0.5])
G = np.array([0.5, 1.0, -4.0])


def _steps(n, **hyperparameters):
    """``n`` SGD steps on P0 with the constant gradient G; returns the final data."""
    p = Parameter(P0.copy())
    optimizer = SGD([p], **hyperparameters)
    for _ in range(n):
        p.grad = G.copy()
        optimizer.step()
    return p.data


def test_plain_step():
    np.testing.assert_allclose(_steps(1, lr=0.1), [1.0 - 0.05, -2.0 - 0.1, 0.5 + 0.4], rtol=1e-15)


def test_momentum_buffer_starts_as_the_gradient():
    # b₁ = g, b₂ = 0.9·g + g: after two steps p moves by lr·(1 + 1.9)·g
    np.testing.assert_allclose(_steps(2, lr=0.1, momentum=0.9), P0 - 0.1 * 2.9 * G, rtol=1e-15)


def test_dampening_skips_the_first_step():
    # b₁ = g (no dampening), b₂ = 0.9·g + (1 − 0.5)·g = 1.4·g
    np.testing.assert_allclose(
        _steps(2, lr=0.1, momentum=0.9, dampening=0.5), P0 - 0.1 * (1 + 1.4) * G, rtol=1e-15
    )


def test_nesterov_looks_ahead():
    # step 1: b = g, step with g + 0.9·b = 1.9·g; step 2: b = 1.9·g, step with g + 0.9·1.9·g
    expected = P0 - 0.1 * (1.9 + 2.71) * G
    np.testing.assert_allclose(_steps(2, lr=0.1, momentum=0.9, nesterov=True), expected, rtol=1e-15)


def test_weight_decay_adds_to_the_gradient():
    p1 = P0 - 0.1 * (G + 0.2 * P0)
    p2 = p1 - 0.1 * (G + 0.2 * p1)
    np.testing.assert_allclose(_steps(2, lr=0.1, weight_decay=0.2), p2, rtol=1e-15)


def test_weight_decay_with_momentum():
    g1 = G + 0.2 * P0
    p1 = P0 - 0.1 * g1
    b2 = 0.5 * g1 + (G + 0.2 * p1)
    np.testing.assert_allclose(_steps(2, lr=0.1, momentum=0.5, weight_decay=0.2), p1 - 0.1 * b2)


def test_update_is_in_place_and_leaves_the_gradient_alone():
    p = Parameter(P0.copy())
    data, grad = p.data, G.copy()
    p.grad = grad
    SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True).step()
    assert p.data is data
    np.testing.assert_array_equal(grad, G)


def test_parameters_without_gradient_are_skipped():
    with_grad, without = Parameter(P0.copy()), Parameter(P0.copy())
    with_grad.grad = G.copy()
    optimizer = SGD([with_grad, without], lr=0.1, momentum=0.9)
    optimizer.step()
    np.testing.assert_array_equal(without.data, P0)
    assert list(optimizer.state) == [with_grad]


def test_plain_sgd_keeps_no_state():
    p = Parameter(P0.copy())
    p.grad = G.copy()
    optimizer = SGD([p], lr=0.1)
    optimizer.step()
    assert optimizer.state == {}


finite = st.floats(-10, 10, allow_nan=False, width=32)


@given(
    np_arrays(st.sampled_from([np.float32, np.float64]), st.integers(1, 6), elements=finite),
    np_arrays(np.float64, st.integers(1, 6), elements=finite),
    st.floats(0, 1),
)
def test_without_momentum_the_step_is_p_minus_lr_g_exactly(data, grad, lr):
    grad = np.resize(grad, data.shape).astype(data.dtype)
    p = Parameter(data.copy())
    p.grad = grad
    SGD([p], lr=lr).step()
    np.testing.assert_array_equal(p.data, data - lr * grad)
    assert p.data.dtype == data.dtype


@given(
    np_arrays(np.float64, st.integers(1, 6), elements=finite),
    st.floats(0, 1),
    st.floats(0, 0.99),
    st.floats(0, 1),
    st.booleans(),
    st.integers(1, 4),
)
def test_zero_gradient_without_weight_decay_changes_nothing(
    data, lr, momentum, dampening, nesterov, steps
):
    if nesterov:
        momentum, dampening = max(momentum, 0.1), 0.0
    p = Parameter(data.copy())
    optimizer = SGD([p], lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov)
    for _ in range(steps):
        p.grad = np.zeros_like(data)
        optimizer.step()
    np.testing.assert_array_equal(p.data, data)


@given(st.floats(0, 1), st.floats(0.01, 0.99), st.booleans())
def test_float32_stays_float32(lr, momentum, nesterov):
    p = Parameter(P0.astype(np.float32))
    # float64 hyperparameters and a float64 gradient must not promote the parameter
    optimizer = SGD(
        [p], lr=np.float64(lr), momentum=np.float64(momentum), weight_decay=0.1, nesterov=nesterov
    )
    for _ in range(2):
        p.grad = G.copy()
        optimizer.step()
    assert p.data.dtype == np.float32
    assert optimizer.state[p]["momentum_buffer"].dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(lr=-0.1), ValueError, "lr must be >= 0, got -0.1"),
        (dict(lr=float("nan")), ValueError, "lr must be >= 0, got nan"),
        (dict(lr="0.1"), TypeError, "lr must be a real number"),
        (dict(momentum=-0.9), ValueError, "momentum must be >= 0"),
        (dict(dampening=-1), ValueError, "dampening must be >= 0"),
        (dict(weight_decay=-1e-4), ValueError, "weight_decay must be >= 0"),
        (dict(nesterov=True), ValueError, "nesterov=True needs momentum > 0"),
        (dict(nesterov=True, momentum=0.9, dampening=0.1), ValueError, "and dampening = 0"),
    ],
)
def test_bad_hyperparameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        SGD([Parameter(P0.copy())], **kwargs)


def test_default_lr_is_pytorchs():
    assert SGD([Parameter(P0.copy())]).defaults["lr"] == 1e-3
    np.testing.assert_allclose(_steps(1), P0 - 1e-3 * G, rtol=1e-15)


def test_momentum_leaves_a_gradient_that_is_not_zeroed_alone():
    # without zero_grad() the same gradient is used again: b₂ = 0.9·g + g, and p.grad stays g
    p = Parameter(P0.copy())
    p.grad = G.copy()
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    optimizer.step()
    optimizer.step()
    np.testing.assert_array_equal(p.grad, G)
    np.testing.assert_allclose(p.data, P0 - 0.1 * 2.9 * G, rtol=1e-15)
