"""Activation layers: gradcheck in float64, dtypes, reprs, caches and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from minicnn.testing import arrays

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


def _away_from_zero(x):
    """|x| >= 0.01: finite differences with ε = 1e-6 never straddle the kink at 0."""
    return np.where(x >= 0, x + 0.01, x - 0.01)


@given(shapes, st.floats(-2, 2), st.data())
def test_relu_and_leaky_relu_pass_gradcheck_away_from_the_kink(shape, slope, data):
    x = _away_from_zero(data.draw(arrays(shape)))
    assert mc.gradcheck(ReLU(), x)
    assert mc.gradcheck(LeakyReLU(slope), x)


@given(shapes, st.data())
def test_sigmoid_and_tanh_pass_gradcheck(shape, data):
    x = data.draw(arrays(shape, low=-4, high=4))
    assert mc.gradcheck(Sigmoid(), x)
    assert mc.gradcheck(Tanh(), x)


@given(shapes, st.data())
def test_softmax_and_log_softmax_pass_gradcheck_along_any_dim(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(shape, low=-4, high=4))
    assert mc.gradcheck(Softmax(dim), x)
    assert mc.gradcheck(LogSoftmax(dim=dim), x)


LAYERS = [ReLU(), LeakyReLU(0.1), Sigmoid(), Tanh(), Softmax(dim=1), LogSoftmax(dim=-1)]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: type(layer).__name__)
def test_float32_in_float32_out_and_no_mutation(layer):
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    g = np.ones_like(x)
    x_before = x.copy()
    y = layer(x)
    dx = layer.backward(g)
    assert y.dtype == dx.dtype == np.float32 and y.shape == dx.shape == x.shape
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(g, 1)
    assert layer.parameters() == []


@pytest.mark.parametrize(
    ("layer", "text"),
    [
        (ReLU(), "ReLU()"),
        (LeakyReLU(), "LeakyReLU(negative_slope=0.01)"),
        (LeakyReLU(0.2), "LeakyReLU(negative_slope=0.2)"),
        (Sigmoid(), "Sigmoid()"),
        (Tanh(), "Tanh()"),
        (Softmax(), "Softmax(dim=1)"),
        (LogSoftmax(dim=-1), "LogSoftmax(dim=-1)"),
    ],
)
def test_repr_is_pytorchs(layer, text):
    assert repr(layer) == text


@pytest.mark.parametrize("cls", [ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax])
def test_backward_before_forward(cls):
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        cls().backward(np.zeros((1, 2)))


def test_backward_uses_the_last_forward():
    layer = ReLU()
    layer(np.array([[1.0, -1.0]]))
    layer(np.array([[-1.0, 1.0]]))
    np.testing.assert_array_equal(layer.backward(np.ones((1, 2))), [[0, 1]])


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: LeakyReLU("0.1"), TypeError, "negative_slope must be a real number"),
        (lambda: Softmax(dim=1.0), TypeError, r"dim must be an int, got 1\.0"),
        (lambda: LogSoftmax(dim=None), TypeError, "dim must be an int, got None"),
    ],
)
def test_bad_hyperparameters_raise_at_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_bad_inputs_raise_at_call():
    with pytest.raises(ValueError, match=r"dim must be in \[-2, 1\] for a 2-d input"):
        Softmax(dim=2)(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="floating-point array, got dtype int64"):
        ReLU()(np.zeros(3, np.int64))
    with pytest.raises(TypeError, match="got list"):
        Tanh()([0.0])


def test_softmax_and_log_softmax_default_to_the_class_axis():
    # dim=1 for every rank: PyTorch's default dim=None would take dim 0 of this 3-d input
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    assert Softmax().dim == LogSoftmax().dim == 1
    np.testing.assert_allclose(Softmax()(x).sum(axis=1), np.ones((2, 4)), rtol=1e-12)
    np.testing.assert_allclose(np.exp(LogSoftmax()(x)).sum(axis=1), np.ones((2, 4)), rtol=1e-12)
