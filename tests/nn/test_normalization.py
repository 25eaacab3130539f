import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import LocalResponseNorm
from minicnn.testing import arrays


@given(
    size=st.integers(1, 6),
    channels=st.integers(1, 6),
    spatial=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    alpha=st.floats(0.1, 2.0),
    beta=st.floats(0.1, 1.5),
    k=st.floats(0.5, 2.0),
    data=st.data(),
)
def test_layer_passes_gradcheck(size, channels, spatial, alpha, beta, k, data):
    layer = LocalResponseNorm(size, alpha, beta, k)
    x = data.draw(arrays((data.draw(st.integers(1, 2)), channels, *spatial), low=-2, high=2))
    assert mc.gradcheck(layer, x, mode="full")
    assert mc.gradcheck(layer, x, mode="fast", seed=data.draw(st.integers(0, 1000)))


def test_float32_in_float32_out_and_no_parameters():
    layer = LocalResponseNorm(3)
    assert layer.parameters() == []
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 3)).astype(np.float32)
    y = layer(x)
    assert y.shape == x.shape and y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32


def test_defaults_and_repr_are_pytorchs():
    layer = LocalResponseNorm(5)
    assert (layer.size, layer.alpha, layer.beta, layer.k) == (5, 1e-4, 0.75, 1.0)
    assert repr(layer) == "LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=1.0)"
    assert repr(LocalResponseNorm(2, 1, 1, 2)) == "LocalResponseNorm(2, alpha=1.0, beta=1.0, k=2.0)"


def test_damps_a_channel_beside_a_strong_one():
    # A strong response in channel 0 inhibits channel 1 (in its window) but not channel 3.
    x = np.array([10.0, 1.0, 1.0, 1.0]).reshape(1, 4, 1)
    y = LocalResponseNorm(3, alpha=1.0, beta=1.0)(x)
    assert y[0, 1, 0] < y[0, 3, 0]
    np.testing.assert_allclose(y[0, 3, 0], 1 / (1 + 2 / 3))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(size=0), ValueError, "size must be >= 1"),
        (dict(size=2.5), TypeError, "size must be an int"),
        (dict(size=2, alpha="0.1"), TypeError, "alpha must be a real number"),
        (dict(size=2, beta=[0.75]), TypeError, "beta must be a real number"),
        (dict(size=2, k=False), TypeError, "k must be a real number"),
    ],
)
def test_bad_hyperparameters_raise_at_construction(kwargs, error, message):
    with pytest.raises(error, match=message):
        LocalResponseNorm(**kwargs)


def test_inputs_without_a_channel_and_spatial_axis_raise_at_call():
    with pytest.raises(ValueError, match="at least 3 dimensions, got 2-d"):
        LocalResponseNorm(2)(np.zeros((4, 3)))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        LocalResponseNorm(2).backward(np.zeros((1, 1, 1)))
