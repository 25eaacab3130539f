"""Linear: gradcheck in float64, PyTorch's initialisation, dtypes, accumulation, errors."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import Linear
from minicnn.testing import arrays


@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.integers(1, 5),
    st.integers(1, 5),
    st.booleans(),
    st.data(),
)
def test_layer_passes_gradcheck(leading, in_features, out_features, bias, data):
    layer = Linear(in_features, out_features, bias=bias)
    x = data.draw(arrays((*leading, in_features)))
    assert mc.gradcheck(layer, x, mode="full")
    assert mc.gradcheck(layer, x, mode="fast", seed=data.draw(st.integers(0, 1000)))
    assert layer.weight.dtype == np.float32  # gradcheck restored the float32 parameters


def test_output_shape_and_dtype():
    layer = Linear(4, 3)
    x = np.ones((2, 5, 4), np.float32)
    y = layer(x)
    assert y.shape == (2, 5, 3) and y.dtype == np.float32
    dx = layer.backward(np.ones_like(y))
    assert dx.shape == x.shape and dx.dtype == np.float32
    assert layer.weight.grad.shape == (3, 4) and layer.bias.grad.shape == (3,)
    np.testing.assert_array_equal(layer.bias.grad, [10, 10, 10])  # 2·5 rows of ones
    assert layer.backward(np.ones(y.shape)).dtype == np.float32  # a float64 grad_out


def test_float64_input_with_float32_parameters():
    layer = Linear(2, 3)
    y = layer(np.ones((4, 2)))
    assert y.dtype == np.float64
    layer.backward(np.ones_like(y))
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32


def test_gradients_accumulate_over_backward_calls():
    layer = Linear(3, 2)
    y = layer(np.random.default_rng(0).standard_normal((4, 3)))
    layer.backward(np.ones_like(y))
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer.backward(np.ones_like(y))
    np.testing.assert_allclose(layer.weight.grad, 2 * once[0], rtol=1e-6)
    np.testing.assert_allclose(layer.bias.grad, 2 * once[1], rtol=1e-6)


def test_default_initialisation_is_pytorchs():
    # kaiming_uniform_(a=√5) on (out, in) is U(±1/√in); the bias uses the same bound.
    mc.manual_seed(5)
    layer = Linear(50, 400)
    bound = 1 / math.sqrt(50)
    assert layer.weight.shape == (400, 50)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    for p in layer.parameters():
        assert np.all(np.abs(p.data) <= bound) and np.abs(p.data).max() > 0.9 * bound
    # the variance of U(±b) is b²/3
    np.testing.assert_allclose(layer.weight.data.var(), bound**2 / 3, rtol=0.05)
    mc.manual_seed(5)
    np.testing.assert_array_equal(Linear(50, 400).weight.data, layer.weight.data)


def test_no_bias_and_parameter_order():
    layer = Linear(3, 2, bias=False)
    assert layer.bias is None and [p.shape for p in layer.parameters()] == [(2, 3)]
    assert [name for name, _ in Linear(3, 2).named_parameters()] == ["weight", "bias"]
    assert mc.gradcheck(layer, np.ones((2, 3)))


def test_repr_is_pytorchs():
    assert repr(Linear(320, 50)) == "Linear(in_features=320, out_features=50, bias=True)"
    assert repr(Linear(2, 1, bias=False)) == "Linear(in_features=2, out_features=1, bias=False)"


def test_never_modifies_its_input():
    layer = Linear(3, 2)
    x = np.ones((4, 3))
    g = np.ones((4, 2))
    layer(x)
    layer.backward(g)
    np.testing.assert_array_equal(x, 1)
    np.testing.assert_array_equal(g, 1)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(in_features=0), ValueError, "in_features must be >= 1, got 0"),
        (dict(out_features=0), ValueError, "out_features must be >= 1, got 0"),
        (dict(in_features=2.5), TypeError, "in_features must be an int"),
        (dict(out_features=True), TypeError, "out_features must be an int"),
        (dict(bias="yes"), TypeError, "bias must be True or False"),
    ],
)
def test_bad_hyperparameters_raise_at_construction(kwargs, error, message):
    with pytest.raises(error, match=message):
        Linear(**(dict(in_features=3, out_features=2) | kwargs))


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.zeros(3), ValueError, r"expected an input \(N, \*, 3\) with at least 2 axes"),
        (np.zeros((2, 4)), ValueError, "expected 3 input features in the last axis, got 4"),
        (np.zeros((2, 3), np.int32), TypeError, "floating-point array, got dtype int32"),
    ],
)
def test_bad_inputs_raise_at_call(x, error, message):
    with pytest.raises(error, match=message):
        Linear(3, 2)(x)


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        Linear(1, 1).backward(np.zeros((1, 1)))
