"""BatchNorm against PyTorch in float64: train steps with running statistics, then eval."""

import numpy as np
import pytest

from minicnn.nn import BatchNorm1d, BatchNorm2d, BatchNorm3d

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("momentum", [0.1, 0.7, None])
@pytest.mark.parametrize(
    ("ours", "theirs", "shape"),
    [
        (BatchNorm1d, torch.nn.BatchNorm1d, (5, 3)),
        (BatchNorm1d, torch.nn.BatchNorm1d, (4, 3, 6)),
        (BatchNorm2d, torch.nn.BatchNorm2d, (3, 3, 4, 5)),
        (BatchNorm3d, torch.nn.BatchNorm3d, (2, 3, 3, 2, 4)),
    ],
)
def test_matches_pytorch_over_training_steps_and_in_eval(ours, theirs, shape, momentum):
    rng = np.random.default_rng(0)
    layer, reference = ours(3, momentum=momentum), theirs(3, momentum=momentum).double()
    weight, bias = rng.standard_normal(3), rng.standard_normal(3)
    layer.weight.data, layer.bias.data = weight.copy(), bias.copy()
    layer.running_mean = layer.running_mean.astype(np.float64)
    layer.running_var = layer.running_var.astype(np.float64)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(weight))
        reference.bias.copy_(torch.tensor(bias))
    for mode in ("train", "train", "train", "eval"):
        layer.train(mode == "train")
        reference.train(mode == "train")
        x, g = rng.standard_normal(shape) * 2 + 1, rng.standard_normal(shape)
        layer.zero_grad()
        y = layer(x)
        dx = layer.backward(g)
        xt = torch.tensor(x, requires_grad=True)
        reference.zero_grad()
        yt = reference(xt)
        yt.backward(torch.tensor(g))
        pairs = [
            (y, yt.detach()),
            (dx, xt.grad),
            (layer.weight.grad, reference.weight.grad),
            (layer.bias.grad, reference.bias.grad),
            (layer.running_mean, reference.running_mean),
            (layer.running_var, reference.running_var),
        ]
        for ours_value, theirs_value in pairs:
            np.testing.assert_allclose(ours_value, theirs_value.numpy(), rtol=1e-9, atol=1e-9)
    assert int(layer.num_batches_tracked) == int(reference.num_batches_tracked) == 3


@pytest.mark.parametrize("momentum", [0.1, None])
def test_an_empty_batch_is_counted_but_measures_nothing_as_in_pytorch(momentum):
    ours, theirs = BatchNorm2d(3, momentum=momentum), torch.nn.BatchNorm2d(3, momentum=momentum)
    x = np.random.default_rng(0).standard_normal((4, 3, 2, 2)).astype(np.float32)
    for batch in (x, x[:0], x):
        y = ours(batch)
        dx = ours.backward(np.ones_like(y))
        xt = torch.tensor(batch, requires_grad=True)
        theirs(xt).sum().backward()
        assert y.shape == dx.shape == batch.shape
        np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-6)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-6)
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 3
