import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import BatchNorm1d, BatchNorm2d, BatchNorm3d
from minicnn.testing import arrays

LAYERS = {0: BatchNorm1d, 1: BatchNorm1d, 2: BatchNorm2d, 3: BatchNorm3d}


@given(st.integers(0, 3), st.integers(2, 3), st.integers(1, 3), st.booleans(), st.data())
def test_gradcheck_in_train_and_eval(ndim, batch, channels, affine, data):
    shape = (batch, channels, *data.draw(st.tuples(*[st.integers(1, 3)] * ndim)))
    layer = LAYERS[ndim](channels, affine=affine)
    if affine:
        layer.weight.data = data.draw(arrays((channels,), np.float32, 0.5, 2.0))
        layer.bias.data = data.draw(arrays((channels,), np.float32))
    x = data.draw(arrays(shape, low=-2, high=3))
    running = layer.running_mean.copy(), layer.running_var.copy()
    assert mc.gradcheck(layer, x)
    # gradcheck ran many training forwards, and put the running statistics back.
    np.testing.assert_array_equal(layer.running_mean, running[0])
    assert int(layer.num_batches_tracked) == 0
    layer.running_mean = data.draw(arrays((channels,), np.float32))
    layer.running_var = data.draw(arrays((channels,), np.float32, 0.5, 2.0))
    assert mc.gradcheck(layer.eval(), x)


def test_train_updates_running_statistics_and_eval_uses_them():
    layer = BatchNorm2d(2, momentum=0.5)
    x = np.random.default_rng(0).standard_normal((4, 2, 3, 3)).astype(np.float32) * 3 + 1
    layer(x)
    per_channel = np.moveaxis(x, 1, 0).reshape(2, -1)
    np.testing.assert_allclose(layer.running_mean, 0.5 * per_channel.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(
        layer.running_var, 0.5 + 0.5 * per_channel.var(axis=1, ddof=1), rtol=1e-6
    )
    assert layer.running_mean.dtype == np.float32 and int(layer.num_batches_tracked) == 1
    layer.eval()
    y = layer(x)
    expected = (x - layer.running_mean.reshape(1, 2, 1, 1)) / np.sqrt(
        layer.running_var.reshape(1, 2, 1, 1) + 1e-5
    )
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    assert int(layer.num_batches_tracked) == 1


def test_cumulative_average_when_momentum_is_none():
    layer = BatchNorm1d(1, momentum=None)
    for value in (1.0, 3.0, 8.0):
        layer(np.array([[value - 1], [value + 1]]))
    np.testing.assert_allclose(layer.running_mean, [4.0])  # mean of 1, 3, 8
    np.testing.assert_allclose(layer.running_var, [2.0])  # every batch's unbiased variance is 2


def test_without_running_statistics_eval_uses_the_batch():
    layer = BatchNorm1d(3, track_running_stats=False).eval()
    x = np.random.default_rng(1).standard_normal((5, 3))
    np.testing.assert_allclose(layer(x).mean(axis=0), 0, atol=1e-12)
    assert list(layer.state_dict()) == ["weight", "bias"]


def test_state_dict_holds_parameters_then_buffers():
    layer = BatchNorm2d(4)
    assert list(layer.state_dict()) == [
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    assert [name for name, _ in layer.named_buffers()] == [
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    assert len(layer.parameters()) == 2


@pytest.mark.parametrize(
    ("layer", "x", "message"),
    [
        (BatchNorm2d(3), np.zeros((2, 3, 4)), r"expected a 4-d input \(N, C, H, W\)"),
        (BatchNorm1d(3), np.zeros((2, 3, 4, 4)), r"2-d or 3-d input \(N, C\) or \(N, C, L\)"),
        (BatchNorm2d(3), np.zeros((2, 4, 4, 4)), "expected 3 input channels, got 4"),
        (BatchNorm1d(3), np.zeros((1, 3)), "more than 1 value per channel"),
    ],
)
def test_bad_inputs(layer, x, message):
    with pytest.raises(ValueError, match=message):
        layer(x)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(num_features=0), ValueError, "num_features must be >= 1"),
        (dict(num_features=2, eps=-1.0), ValueError, "eps must be >= 0"),
        (dict(num_features=2, momentum="fast"), TypeError, "momentum must be a number"),
    ],
)
def test_bad_hyperparameters(kwargs, error, message):
    with pytest.raises(error, match=message):
        BatchNorm2d(**kwargs)


def test_defaults_are_pytorchs():
    layer = BatchNorm1d(3)
    assert (layer.eps, layer.momentum) == (1e-5, 0.1)
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32) + 2
    layer(x)
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(layer.running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1), rtol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("momentum", [0.1, None])
def test_a_state_dict_taken_earlier_follows_the_running_statistics_as_pytorchs(momentum):
    torch = pytest.importorskip("torch")
    layer = BatchNorm2d(2, momentum=momentum)
    reference = torch.nn.BatchNorm2d(2, momentum=momentum)
    ours, theirs = layer.state_dict(), reference.state_dict()
    rng = np.random.default_rng(2)
    for _ in range(2):
        x = (rng.standard_normal((4, 2, 3, 3)) * 3 + 1).astype(np.float32)
        layer(x)
        reference(torch.tensor(x))
    assert int(theirs["num_batches_tracked"]) == 2  # PyTorch's earlier dict sees both steps
    for key, value in theirs.items():
        np.testing.assert_allclose(ours[key], value.numpy(), rtol=1e-6)
        assert ours[key].shape == tuple(value.shape)
        assert ours[key].dtype == str(value.dtype).removeprefix("torch.")
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        assert getattr(layer, name) is ours[name]  # written in place, not replaced
