"""Dropout and channel dropout: the values it produces, statistics with bounds that cannot be
missed by chance, the channel structure, reproducibility, the backward mask, dtypes, errors.

Statistical bounds use Hoeffding's inequality: for n independent values in an interval of
length b, P(|mean − E[mean]| >= t) <= 2·exp(−2·n·t² / b²). Each test states its n and t; the
chance of a false failure is below 1e-15 per example.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.ops.dropout import (
    channel_dropout_backward,
    channel_dropout_forward,
    dropout_backward,
    dropout_forward,
)
from minicnn.random import get_generator
from minicnn.testing import arrays

shapes = st.lists(st.integers(1, 5), min_size=1, max_size=4).map(tuple)
channel_shapes = st.lists(st.integers(1, 4), min_size=3, max_size=5).map(tuple)
probabilities = st.floats(0, 1).filter(lambda p: p < 1)
seeds = st.integers(0, 2**32 - 1)


def _away_from_zero(x):
    """Shift values away from 0, so that y == 0 means "dropped"."""
    return np.where(x >= 0, x + 0.5, x - 0.5)


@given(shapes, probabilities, seeds, st.data())
def test_each_element_is_dropped_or_scaled(shape, p, seed, data):
    x = _away_from_zero(data.draw(arrays(shape)))
    mc.manual_seed(seed)
    y, cache = dropout_forward(x, p)
    kept = y != 0
    np.testing.assert_array_equal(y[kept], x[kept] * (1 / (1 - p)))
    g = data.draw(arrays(shape))
    dx = dropout_backward(g, cache)
    np.testing.assert_array_equal(dx, np.where(kept, g * (1 / (1 - p)), 0))  # the same mask


@given(channel_shapes, probabilities, seeds, st.data())
def test_channel_dropout_drops_whole_channels(shape, p, seed, data):
    x = _away_from_zero(data.draw(arrays(shape)))
    mc.manual_seed(seed)
    y, cache = channel_dropout_forward(x, p)
    kept = (y != 0).reshape(*shape[:2], -1)
    assert np.all(kept.all(axis=2) | ~kept.any(axis=2))  # all or nothing per (n, c)
    channel_kept = kept[:, :, :1].reshape(*shape[:2], *(1,) * (len(shape) - 2))
    np.testing.assert_array_equal(y, np.where(channel_kept, x * (1 / (1 - p)), 0))
    g = data.draw(arrays(shape))
    dx = channel_dropout_backward(g, cache)
    np.testing.assert_array_equal(dx, np.where(channel_kept, g * (1 / (1 - p)), 0))


@given(st.floats(0, 0.9), seeds)
def test_dropout_keeps_the_expected_value(p, seed):
    # mean(y) − mean(x) = D / q with q = 1 − p and D = Σ x_i·(k_i − q) / n, each term in an
    # interval of length x_i <= 1.5. Hoeffding with n = 1e6, t = 0.01: 2·exp(−88) ≈ 1e-38.
    x = np.random.default_rng([seed, 1]).uniform(0.5, 1.5, 1_000_000)  # not the mask's stream
    mc.manual_seed(seed)
    y, _ = dropout_forward(x, p)
    assert abs(y.mean() - x.mean()) <= 0.01 / (1 - p)


def test_dropped_fraction_is_p():
    # n = 1e6 keep indicators in {0, 1}, t = 0.005: 2·exp(−50) ≈ 4e-22.
    mc.manual_seed(0)
    y, _ = dropout_forward(np.ones(1_000_000), 0.3)
    assert abs(np.mean(y == 0) - 0.3) <= 0.005
    # n = 1e5 channels of 8 values each.
    y, _ = channel_dropout_forward(np.ones((1000, 100, 8)), 0.3)
    assert abs(np.mean(y[:, :, 0] == 0) - 0.3) <= 0.015
    assert np.all((y == 0).all(axis=2) | (y != 0).all(axis=2))


@pytest.mark.parametrize("forward", [dropout_forward, channel_dropout_forward])
def test_masks_are_reproducible_from_manual_seed(forward):
    x = np.ones((4, 8, 16))
    mc.manual_seed(42)
    first, _ = forward(x, 0.5)
    mc.manual_seed(42)
    again, _ = forward(x, 0.5)
    other, _ = forward(x, 0.5)  # the generator has moved on: a new mask
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("forward", [dropout_forward, channel_dropout_forward])
def test_not_training_is_the_identity_and_draws_nothing(forward):
    x = np.arange(24.0).reshape(2, 3, 4)
    g = np.ones_like(x)
    mc.manual_seed(1)
    y, cache = forward(x, 0.9, training=False)
    assert y is x
    assert dropout_backward(g, cache) is g
    next_draw = get_generator().random()
    mc.manual_seed(1)
    assert get_generator().random() == next_draw


@pytest.mark.parametrize("forward", [dropout_forward, channel_dropout_forward])
def test_p_zero_keeps_everything_and_p_one_drops_everything(forward):
    x = np.arange(1.0, 25.0).reshape(2, 3, 4)
    y, cache = forward(x, 0.0)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(dropout_backward(np.ones_like(x), cache), np.ones_like(x))
    y, cache = forward(x, 1.0)
    np.testing.assert_array_equal(y, np.zeros_like(x))  # no 1/0 anywhere
    np.testing.assert_array_equal(dropout_backward(np.ones_like(x), cache), np.zeros_like(x))


@pytest.mark.parametrize("forward", [dropout_forward, channel_dropout_forward])
def test_float32_stays_float32(forward):
    y, cache = forward(np.ones((2, 3, 4), np.float32), 0.25)
    assert y.dtype == cache.mask.dtype == np.float32
    assert dropout_backward(np.ones((2, 3, 4)), cache).dtype == np.float32
    assert set(np.unique(y)) <= {np.float32(0), np.float32(1 / 0.75)}


@pytest.mark.parametrize("forward", [dropout_forward, channel_dropout_forward])
def test_never_modifies_its_arguments(forward):
    x, g = np.ones((2, 3, 4)), np.full((2, 3, 4), 2.0)
    y, cache = forward(x, 0.5)
    dx = dropout_backward(g, cache)
    np.testing.assert_array_equal(x, 1)
    np.testing.assert_array_equal(g, 2)
    assert y is not x and dx is not g


@pytest.mark.parametrize("forward", [dropout_forward, channel_dropout_forward])
@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_probability_outside_zero_one_raises(forward, p):
    with pytest.raises(ValueError, match=r"dropout probability p must be in \[0, 1\]"):
        forward(np.ones((2, 3, 4)), p)


@pytest.mark.parametrize("p", [True, "0.5", None])
def test_probability_of_the_wrong_type_raises(p):
    with pytest.raises(TypeError, match="dropout probability p must be a real number"):
        dropout_forward(np.ones(3), p)


def test_bad_inputs_raise():
    with pytest.raises(TypeError, match="floating-point array, got dtype int64"):
        dropout_forward(np.ones(3, np.int64))
    with pytest.raises(ValueError, match=r"\(N, C, \*spatial\) with at least 2 axes, got shape"):
        channel_dropout_forward(np.ones(3))
    _, cache = dropout_forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\), got \(3, 2\)"):
        dropout_backward(np.ones((3, 2)), cache)
