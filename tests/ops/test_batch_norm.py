import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.batch_norm import batch_norm_backward, batch_norm_forward
from minicnn.testing import arrays

shapes = st.tuples(st.integers(2, 4), st.integers(1, 3)).flatmap(
    lambda nc: st.lists(st.integers(1, 4), max_size=3).map(lambda s: (*nc, *s))
)


def _channels_last(a):
    """(N, C, *S) → (C, N·ΠS): each row holds one channel's values."""
    return np.moveaxis(a, 1, 0).reshape(a.shape[1], -1)


@given(shapes, st.data())
def test_batch_statistics_normalise_each_channel(shape, data):
    x = data.draw(arrays(shape, low=-3, high=5))
    weight, bias = data.draw(arrays(shape[1:2])), data.draw(arrays(shape[1:2]))
    y, _ = batch_norm_forward(x, None, None, eps=0.0)
    rows = _channels_last(y)
    np.testing.assert_allclose(rows.mean(axis=1), 0, atol=1e-12)
    spread = _channels_last(x).std(axis=1)
    np.testing.assert_allclose(rows.std(axis=1)[spread > 1e-3], 1, rtol=1e-9)
    affine, _ = batch_norm_forward(x, weight, bias, eps=0.0)
    np.testing.assert_allclose(
        affine,
        y * weight.reshape(1, -1, *[1] * (x.ndim - 2)) + bias.reshape(1, -1, *[1] * (x.ndim - 2)),
        rtol=1e-12,
        atol=1e-12,
    )


@given(shapes, st.data())
def test_gradient_is_orthogonal_to_shifts_and_scalings_of_a_channel(shape, data):
    # y does not change when a channel of x is shifted (and, with ε = 0, scaled), so the
    # input gradient has zero sum and zero correlation with x̂ in every channel.
    x = data.draw(arrays(shape, low=-3, high=5))
    _, cache = batch_norm_forward(x, data.draw(arrays(shape[1:2])), None, eps=0.0)
    dx, _, _ = batch_norm_backward(data.draw(arrays(shape)), cache)
    np.testing.assert_allclose(_channels_last(dx).sum(axis=1), 0, atol=1e-9)
    correlation = (_channels_last(dx) * _channels_last(cache.x_hat)).sum(axis=1)
    np.testing.assert_allclose(correlation, 0, atol=1e-9)


def test_given_statistics_are_used_as_they_are():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    y, cache = batch_norm_forward(
        x,
        np.array([2.0, 1.0]),
        np.array([0.0, 1.0]),
        mean=np.array([1.0, 2.0]),
        var=np.array([4.0, 16.0]),
        eps=0.0,
    )
    np.testing.assert_allclose(y, [[0.0, 1.0], [2.0, 2.0]])
    dx, dweight, dbias = batch_norm_backward(np.ones_like(x), cache)
    np.testing.assert_allclose(dx, [[1.0, 0.25], [1.0, 0.25]])
    np.testing.assert_allclose(dweight, [1.0, 1.0])
    np.testing.assert_allclose(dbias, [2.0, 2.0])


def test_dtype_kept_and_inputs_untouched():
    x = np.random.default_rng(0).standard_normal((4, 3, 5)).astype(np.float32)
    before = x.copy()
    y, cache = batch_norm_forward(x, np.ones(3, np.float64), np.zeros(3, np.float64))
    grads = batch_norm_backward(np.ones(x.shape, np.float64), cache)
    assert y.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    np.testing.assert_array_equal(x, before)


def test_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        batch_norm_forward(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        batch_norm_forward(np.zeros((2, 3)), np.ones(2))
    with pytest.raises(TypeError, match="floating-point"):
        batch_norm_forward(np.zeros((2, 3), int))
    _, cache = batch_norm_forward(np.random.default_rng(0).standard_normal((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\)"):
        batch_norm_backward(np.zeros((3, 2)), cache)
