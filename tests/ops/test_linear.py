"""The linear op against an einsum reference, exact algebra, dtypes and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.linear import linear_backward, linear_forward
from minicnn.testing import arrays


@st.composite
def linear_problems(draw, dtype=np.float64):
    """x (N, *extra, in), weight (out, in), and a bias or None."""
    leading = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    in_features, out_features = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    x = draw(arrays((*leading, in_features), dtype))
    weight = draw(arrays((out_features, in_features), dtype))
    bias = draw(st.none() | arrays((out_features,), dtype))
    return x, weight, bias


@given(linear_problems(), st.data())
def test_matches_an_einsum_reference(problem, data):
    x, weight, bias = problem
    y, cache = linear_forward(x, weight, bias)
    expected = np.einsum("...i,oi->...o", x, weight) + (0 if bias is None else bias)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-14)
    g = data.draw(arrays(y.shape))
    dx, dweight, dbias = linear_backward(g, cache)
    np.testing.assert_allclose(dx, np.einsum("...o,oi->...i", g, weight), rtol=1e-12, atol=1e-14)
    rows_g, rows_x = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
    expected_dweight = sum(np.outer(g_row, x_row) for g_row, x_row in zip(rows_g, rows_x))
    np.testing.assert_allclose(dweight, expected_dweight, rtol=1e-12, atol=1e-14)
    if bias is None:
        assert dbias is None
    else:
        axes = tuple(range(g.ndim - 1))
        np.testing.assert_allclose(dbias, g.sum(axis=axes), rtol=1e-12, atol=1e-14)


@given(linear_problems(), st.data())
def test_adjoint_identities(problem, data):
    # Without the bias y is bilinear in x and weight: <y, g> = <x, dx> = <weight, dweight>.
    x, weight, _ = problem
    y, cache = linear_forward(x, weight)
    g = data.draw(arrays(y.shape))
    dx, dweight, _ = linear_backward(g, cache)
    np.testing.assert_allclose(np.vdot(y, g), np.vdot(x, dx), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.vdot(y, g), np.vdot(weight, dweight), rtol=1e-10, atol=1e-12)


@given(linear_problems(np.float32), st.data())
def test_float32_stays_float32_and_agrees_with_float64(problem, data):
    x, weight, bias = problem
    y, cache = linear_forward(x, weight, bias)
    g = data.draw(arrays(y.shape, np.float32))
    grads = linear_backward(g, cache)
    assert y.dtype == np.float32
    assert all(grad.dtype == np.float32 for grad in grads if grad is not None)
    as64 = [None if a is None else a.astype(np.float64) for a in (x, weight, bias)]
    y64, cache64 = linear_forward(*as64)
    np.testing.assert_allclose(y, y64, rtol=1e-5, atol=1e-5)
    for grad, grad64 in zip(grads, linear_backward(g.astype(np.float64), cache64)):
        if grad is not None:
            np.testing.assert_allclose(grad, grad64, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bias", [np.zeros(2, np.float32), None], ids=["bias", "no_bias"])
def test_a_float64_grad_out_gives_float32_gradients_for_float32_arguments(bias):
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    weight = np.ones((2, 3), np.float32)
    y, cache = linear_forward(x, weight, bias)
    grads = linear_backward(np.ones(y.shape), cache)  # float64 grad_out
    assert all(grad.dtype == np.float32 for grad in grads if grad is not None)


def test_computes_in_the_input_dtype():
    x64 = np.full((1, 2), 1 + 1e-12)  # not representable in float32
    y, cache = linear_forward(x64, np.ones((1, 2), np.float32), np.zeros(1, np.float32))
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, [[2 + 2e-12]], rtol=1e-15)
    assert all(g.dtype == np.float64 for g in linear_backward(np.ones_like(y), cache))
    y32, _ = linear_forward(x64.astype(np.float32), np.ones((1, 2)))
    assert y32.dtype == np.float32


@given(linear_problems(), st.data())
def test_never_modifies_its_arguments(problem, data):
    x, weight, bias = problem
    originals = [None if a is None else a.copy() for a in (x, weight, bias)]
    y, cache = linear_forward(x, weight, bias)
    g = data.draw(arrays(y.shape))
    g_before = g.copy()
    linear_backward(g, cache)
    linear_backward(g, cache)
    for original, now in zip(originals, (x, weight, bias)):
        if original is not None:
            np.testing.assert_array_equal(original, now)
    np.testing.assert_array_equal(g, g_before)


def test_hand_computed_example():
    x = np.array([[1.0, 2.0]])
    weight = np.array([[1.0, 0.0], [3.0, -1.0], [0.5, 0.5]])
    y, cache = linear_forward(x, weight, np.array([0.0, 1.0, -1.0]))
    np.testing.assert_array_equal(y, [[1.0, 2.0, 0.5]])
    dx, dweight, dbias = linear_backward(np.array([[1.0, 1.0, 2.0]]), cache)
    np.testing.assert_array_equal(dx, [[5.0, 0.0]])
    np.testing.assert_array_equal(dweight, [[1.0, 2.0], [1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_array_equal(dbias, [1.0, 1.0, 2.0])


@pytest.mark.parametrize(
    ("x", "weight", "bias", "error", "message"),
    [
        (np.zeros(3), np.zeros((2, 3)), None, ValueError, r"\(N, \*, 3\) with at least 2 axes"),
        (np.zeros((4, 5)), np.zeros((2, 3)), None, ValueError, "expected 3 input features.*got 5"),
        (np.zeros((4, 3)), np.zeros((2, 3, 1)), None, ValueError, "weight must be"),
        (
            np.zeros((4, 3)),
            np.zeros((2, 3)),
            np.zeros(3),
            ValueError,
            r"bias must have shape \(2,\)",
        ),
        (np.zeros((4, 3), int), np.zeros((2, 3)), None, TypeError, "floating-point"),
    ],
)
def test_bad_arguments_raise(x, weight, bias, error, message):
    with pytest.raises(error, match=message):
        linear_forward(x, weight, bias)


def test_grad_out_of_the_wrong_shape_raises():
    _, cache = linear_forward(np.zeros((4, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(4, 2\), got \(4, 3\)"):
        linear_backward(np.zeros((4, 3)), cache)
