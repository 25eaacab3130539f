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


@pytest.mark.parametrize("given_statistics", [False, True])
@pytest.mark.parametrize("other_dtype", [np.float32, np.float64])
def test_dtype_kept_and_inputs_untouched(given_statistics, other_dtype):
    # With other_dtype float32 the op gets the caller's arrays themselves (no cast copies
    # them), so a write into any of them would show; with float64 the results must still
    # come out in x's float32.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 5)).astype(np.float32)
    weight, bias = rng.standard_normal(3).astype(other_dtype), np.zeros(3, other_dtype)
    mean = rng.standard_normal(3).astype(other_dtype)
    var = rng.uniform(0.5, 2, 3).astype(other_dtype)
    grad_out = rng.standard_normal(x.shape).astype(other_dtype)
    arguments = dict(x=x, weight=weight, bias=bias, mean=mean, var=var, grad_out=grad_out)
    before = {name: array.copy() for name, array in arguments.items()}
    statistics = (mean, var) if given_statistics else (None, None)
    y, cache = batch_norm_forward(x, weight, bias, *statistics)
    grads = batch_norm_backward(grad_out, cache)
    assert y.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)
    for name, array in arguments.items():
        np.testing.assert_array_equal(array, before[name], err_msg=f"{name} was modified")


def test_errors():
    for shape in ((1, 3), (1, 3, 1)):  # one value per channel
        with pytest.raises(ValueError, match=r"more than 1 value per channel.*shape \("):
            batch_norm_forward(np.zeros(shape))
    with pytest.raises(TypeError, match="floating-point"):
        batch_norm_forward(np.zeros((2, 3), int))
    _, cache = batch_norm_forward(np.random.default_rng(0).standard_normal((2, 3)))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\)"):
        batch_norm_backward(np.zeros((3, 2)), cache)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(weight=np.ones(2)), ValueError, r"weight must have shape \(3,\), got \(2,\)"),
        (dict(bias=np.ones((3, 1))), ValueError, r"bias must have shape \(3,\), got \(3, 1\)"),
        (dict(mean=np.ones(4), var=np.ones(3)), ValueError, r"mean must have shape \(3,\)"),
        (dict(mean=np.ones(3), var=np.ones(1)), ValueError, r"var must have shape \(3,\)"),
        (dict(weight=[1.0, 1.0, 1.0]), TypeError, r"weight must be an array of shape \(3,\).*list"),
        (
            dict(mean=np.zeros(3)),
            ValueError,
            "mean and var must be given together.*mean without var",
        ),
        (dict(var=np.ones(3)), ValueError, "mean and var must be given together.*var without mean"),
        (dict(eps=-1e-5), ValueError, "eps must be >= 0, got -1e-05"),
        (dict(eps=float("nan")), ValueError, "eps must be >= 0, got nan"),
        (dict(eps="0.1"), TypeError, "eps must be a number, got '0.1'"),
        (dict(eps=None), TypeError, "eps must be a number, got None"),
    ],
)
def test_bad_arguments_raise(kwargs, error, message):
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    with pytest.raises(error, match=message):
        batch_norm_forward(x, **kwargs)


def test_no_channels_give_empty_results():
    """As PyTorch's functional batch_norm: N·ΠS values per channel, and none to normalise."""
    y, cache = batch_norm_forward(np.zeros((4, 0, 3), np.float32))
    dx, dweight, dbias = batch_norm_backward(np.zeros((4, 0, 3), np.float32), cache)
    assert (y.shape, dx.shape, dweight.shape, dbias.shape) == ((4, 0, 3), (4, 0, 3), (0,), (0,))
    assert y.dtype == dx.dtype == np.float32


def test_an_empty_batch_gives_empty_results():
    """As PyTorch: N = 0 is no error, in training as in evaluation."""
    for statistics in ((None, None), (np.zeros(2, np.float32), np.ones(2, np.float32))):
        weight = np.ones(2, np.float32)
        y, cache = batch_norm_forward(np.zeros((0, 2, 5), np.float32), weight, None, *statistics)
        dx, dweight, dbias = batch_norm_backward(np.zeros((0, 2, 5), np.float32), cache)
        assert y.shape == dx.shape == (0, 2, 5) and y.dtype == dx.dtype == np.float32
        np.testing.assert_array_equal(dweight, [0, 0])
        np.testing.assert_array_equal(dbias, [0, 0])
