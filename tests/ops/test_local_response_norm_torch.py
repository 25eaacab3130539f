"""PyTorch as an independent oracle for local response normalisation (float64, 1e-9).
Skipped without PyTorch."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.ops.local_response_norm import (
    local_response_norm_backward,
    local_response_norm_forward,
)
from minicnn.testing import arrays

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@given(
    size=st.integers(1, 5),
    channels=st.integers(1, 8),
    spatial=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    alpha=st.floats(1e-4, 2.0),
    beta=st.floats(0.0, 1.5),
    k=st.floats(0.5, 3.0),
    data=st.data(),
)
def test_forward_and_gradient_match_pytorch(size, channels, spatial, alpha, beta, k, data):
    shape = (data.draw(st.integers(1, 2)), channels, *spatial)
    x = data.draw(arrays(shape, low=-3, high=3))
    grad_out = data.draw(arrays(shape))
    y, cache = local_response_norm_forward(x, size, alpha, beta, k)
    dx = local_response_norm_backward(grad_out, cache)
    torch_x = torch.tensor(x, requires_grad=True)
    torch_y = torch.nn.functional.local_response_norm(torch_x, size, alpha, beta, k)
    torch_y.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(y, torch_y.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dx, torch_x.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("channels", [1, 2, 3, 6, 96])
def test_layer_with_alexnets_constants_matches_pytorch(size, channels):
    # AlexNet: size 5, alpha 1e-4, beta 0.75, k 2 — on activations of ReLU size.
    layer = mc.nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=2.0)
    torch_layer = torch.nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=2.0)
    assert repr(layer) == repr(torch_layer)
    rng = np.random.default_rng(channels)
    x = rng.uniform(0, 20, (2, channels, 5, 4))
    grad_out = rng.standard_normal(x.shape)
    torch_x = torch.tensor(x, requires_grad=True)
    torch_y = torch_layer(torch_x)
    torch_y.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(layer(x), torch_y.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(layer.backward(grad_out), torch_x.grad.numpy(), rtol=1e-9, atol=1e-9)
