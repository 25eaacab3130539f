"""Flatten: gradcheck, the conv → flatten → linear step of a LeNet, repr and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import Conv2d, Flatten, Linear
from minicnn.testing import arrays


@given(st.lists(st.integers(1, 3), min_size=2, max_size=4), st.data())
def test_layer_passes_gradcheck(shape, data):
    ndim = len(shape)
    start_dim = data.draw(st.integers(0, ndim - 1))
    end_dim = data.draw(st.integers(start_dim, ndim - 1)) - ndim * data.draw(st.booleans())
    x = data.draw(arrays(tuple(shape)))
    assert mc.gradcheck(Flatten(start_dim, end_dim), x)


def test_lenet_feature_maps_feed_a_linear_layer():
    # LeNet: 20 feature maps of 4×4 become 320 features for the 320 → 50 layer.
    conv, flatten, fc = Conv2d(10, 20, 5), Flatten(), Linear(320, 50)
    x = np.random.default_rng(0).standard_normal((2, 10, 8, 8)).astype(np.float32)
    features = flatten(conv(x))
    assert features.shape == (2, 320) and features.dtype == np.float32
    y = fc(features)
    dx = conv.backward(flatten.backward(fc.backward(np.ones_like(y))))
    assert dx.shape == x.shape and dx.dtype == np.float32


def test_backward_restores_the_shape_and_dtype():
    layer = Flatten(0, 1)
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    y = layer(x)
    assert y.shape == (6, 4)
    dx = layer.backward(np.ones((6, 4)))
    assert dx.shape == (2, 3, 4) and dx.dtype == np.float32
    np.testing.assert_array_equal(x, np.arange(24).reshape(2, 3, 4))


def test_repr_is_pytorchs():
    assert repr(Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(Flatten(0, 2)) == "Flatten(start_dim=0, end_dim=2)"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [(dict(start_dim=1.0), "start_dim must be an int"), (dict(end_dim=False), "end_dim must be")],
)
def test_bad_hyperparameters_raise_at_construction(kwargs, message):
    with pytest.raises(TypeError, match=message):
        Flatten(**kwargs)


def test_bad_inputs_raise_at_call():
    with pytest.raises(ValueError, match=r"start_dim must be in \[-1, 0\] for a 1-d input"):
        Flatten()(np.zeros(3))
    with pytest.raises(ValueError, match=r"start_dim \(2\) must not come after end_dim \(1\)"):
        Flatten(2, 1)(np.zeros((2, 3, 4)))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        Flatten().backward(np.zeros((1, 1)))
