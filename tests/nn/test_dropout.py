"""Dropout layers: gradcheck with a fixed mask, train/eval behaviour, channel structure,
reproducibility, dtypes, reprs and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import Dropout, Dropout1d, Dropout2d, Dropout3d, Module
from minicnn.testing import arrays

CHANNEL_LAYERS = {Dropout1d: 1, Dropout2d: 2, Dropout3d: 3}


class _SameMask(Module):
    """Reseeds the generator before every forward, so every forward draws the same mask: the
    layer is then a fixed function of x, which finite differences can check."""

    def __init__(self, layer, seed):
        super().__init__()
        self.layer, self.seed = layer, seed

    def forward(self, x):
        mc.manual_seed(self.seed)
        return self.layer(x)

    def backward(self, grad_out):
        return self.layer.backward(grad_out)


@st.composite
def layers_and_shapes(draw):
    """A dropout layer with a drawn p, and an input shape of its rank."""
    cls = draw(st.sampled_from([Dropout, *CHANNEL_LAYERS]))
    ndim = CHANNEL_LAYERS.get(cls, draw(st.integers(0, 3)))
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=ndim + 2, max_size=ndim + 2)))
    return cls(draw(st.floats(0, 1))), shape


@given(layers_and_shapes(), st.integers(0, 2**32 - 1), st.data())
def test_layers_pass_gradcheck_with_a_fixed_mask(layer_and_shape, seed, data):
    layer, shape = layer_and_shape
    x = data.draw(arrays(shape))
    assert mc.gradcheck(_SameMask(layer, seed), x)
    assert mc.gradcheck(layer.eval(), x)


@given(layers_and_shapes(), st.data())
def test_evaluation_mode_is_the_identity(layer_and_shape, data):
    layer, shape = layer_and_shape
    x = data.draw(arrays(shape))
    layer.eval()
    assert layer(x) is x
    g = data.draw(arrays(shape))
    assert layer.backward(g) is g
    layer.train()
    if layer.p == 1:
        np.testing.assert_array_equal(layer(x), 0)


@given(st.sampled_from(list(CHANNEL_LAYERS)), st.integers(0, 2**32 - 1), st.data())
def test_channel_layers_zero_whole_channels(cls, seed, data):
    shape = (3, 4, *(3,) * CHANNEL_LAYERS[cls])
    x = data.draw(arrays(shape, low=1, high=2))  # no zeros: y == 0 means dropped
    mc.manual_seed(seed)
    layer = cls(0.5)
    y = layer(x).reshape(3, 4, -1)
    dropped = (y == 0).all(axis=2)
    assert np.all(dropped | (y != 0).all(axis=2))
    np.testing.assert_array_equal(y[~dropped], x.reshape(3, 4, -1)[~dropped] * 2)
    dx = layer.backward(np.ones(shape)).reshape(3, 4, -1)
    np.testing.assert_array_equal(dx, np.where(dropped[..., None], 0.0, np.full(dx.shape, 2.0)))


@pytest.mark.parametrize("cls", [Dropout, *CHANNEL_LAYERS])
def test_masks_are_reproducible_from_manual_seed(cls):
    x = np.ones((4, 8, 5, 5, 5)[: 2 + CHANNEL_LAYERS.get(cls, 3)])
    layer = cls(0.5)
    mc.manual_seed(3)
    first = layer(x)
    second = layer(x)  # the generator moved on: a different mask
    mc.manual_seed(3)
    np.testing.assert_array_equal(layer(x), first)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("cls", [Dropout, *CHANNEL_LAYERS])
def test_float32_stays_float32_and_inputs_are_not_modified(cls):
    x = np.ones((2, 3, 4, 4, 4)[: 2 + CHANNEL_LAYERS.get(cls, 2)], np.float32)
    layer = cls(0.25)
    y = layer(x)
    dx = layer.backward(np.ones(x.shape))
    assert y.dtype == dx.dtype == np.float32
    np.testing.assert_array_equal(x, 1)
    assert set(np.unique(y)) <= {0, np.float32(1 / 0.75)}


@pytest.mark.parametrize(
    ("layer", "text"),
    [
        (Dropout(), "Dropout(p=0.5)"),
        (Dropout2d(0.25), "Dropout2d(p=0.25)"),
        (Dropout3d(1), "Dropout3d(p=1.0)"),
    ],
)
def test_repr(layer, text):
    assert repr(layer) == text


@pytest.mark.parametrize("cls", [Dropout, *CHANNEL_LAYERS])
def test_bad_probability_raises_at_construction(cls):
    for p in (-0.5, 1.01, float("nan")):
        with pytest.raises(ValueError, match=r"dropout probability p must be in \[0, 1\]"):
            cls(p)
    with pytest.raises(TypeError, match="dropout probability p must be a real number"):
        cls("0.5")


@pytest.mark.parametrize(
    ("cls", "layout"),
    [
        (Dropout1d, r"3-d input \(N, C, W\)"),
        (Dropout2d, r"4-d input \(N, C, H, W\)"),
        (Dropout3d, r"5-d input \(N, C, D, H, W\)"),
    ],
)
def test_channel_layers_need_their_rank_in_training_and_evaluation(cls, layout):
    x = np.zeros((2, 3, 4, 4, 4, 4)[: CHANNEL_LAYERS[cls] + 1])  # the batch axis is missing
    with pytest.raises(ValueError, match=layout):
        cls()(x)
    with pytest.raises(ValueError, match=layout):
        cls().eval()(x)


def test_bad_inputs_raise_at_call():
    with pytest.raises(TypeError, match="floating-point array, got dtype int64"):
        Dropout()(np.ones(3, np.int64))
    layer = Dropout()
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\), got \(3,\)"):
        layer.backward(np.ones(3))


@pytest.mark.parametrize("cls", [Dropout, *CHANNEL_LAYERS])
def test_backward_before_forward(cls):
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        cls().backward(np.zeros((1, 1, 1, 1, 1)))
