"""Linear against torch.nn.Linear with the same parameters (float64, 1e-9), and the same
initial distribution. Skipped without PyTorch."""

import math

import numpy as np
import pytest

import minicnn as mc
from minicnn.nn import Linear

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("x_shape", [(4, 6), (2, 3, 6), (2, 1, 3, 6)])
@pytest.mark.parametrize("bias", [True, False])
def test_layer_matches_torch_nn_linear(x_shape, bias):
    rng = np.random.default_rng(0)
    layer = Linear(6, 5, bias=bias)
    reference = torch.nn.Linear(6, 5, bias=bias, dtype=torch.float64)
    for ours, theirs in zip(layer.parameters(), reference.parameters()):
        ours.data = rng.standard_normal(ours.shape)
        theirs.data = torch.tensor(ours.data)
    x = rng.standard_normal(x_shape)
    grad_out = rng.standard_normal((*x_shape[:-1], 5))
    y = layer(x)
    dx = layer.backward(grad_out)
    t = torch.tensor(x, requires_grad=True)
    torch_y = reference(t)
    torch_y.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(y, torch_y.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dx, t.grad.numpy(), rtol=1e-9, atol=1e-9)
    for ours, theirs in zip(layer.parameters(), reference.parameters()):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_initial_distribution_matches_pytorchs():
    # Different generators, the same distribution: U(±1/√in) for weight and bias alike.
    mc.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = Linear(64, 512), torch.nn.Linear(64, 512)
    bound = 1 / math.sqrt(64)
    for mine, reference in zip(ours.parameters(), theirs.parameters()):
        reference = reference.detach().numpy()
        assert mine.shape == reference.shape and mine.dtype == reference.dtype
        for values in (mine.data, reference):
            assert np.abs(values).max() <= bound
            # U(±b) has variance b²/3: with 512 or 32768 draws, within 20% (about 5σ for 512).
            np.testing.assert_allclose(values.var(), bound**2 / 3, rtol=0.2)
