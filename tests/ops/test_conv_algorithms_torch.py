"""PyTorch as the oracle for every convolution algorithm (float64, 1e-9). Skipped without it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.conv import conv_backward, conv_forward
from minicnn.testing import arrays

from .test_conv_algorithms import CONFIGS, CPU_ALGORITHMS

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.mark.parametrize("algorithm", CPU_ALGORITHMS)
@given(data=st.data())
def test_matches_pytorch(algorithm, data):
    config = data.draw(CONFIGS[algorithm])
    x = data.draw(arrays(config.input_shape))
    weight = data.draw(arrays(config.weight_shape))
    bias = data.draw(arrays((config.out_channels,))) if config.bias else None
    y, cache = conv_forward(x, weight, bias, **config.hyperparameters(), algorithm=algorithm)
    grad_out = data.draw(arrays(y.shape))
    grads = conv_backward(grad_out, cache)

    tensors = [torch.tensor(a, requires_grad=True) for a in (x, weight)]
    tensors.append(None if bias is None else torch.tensor(bias, requires_grad=True))
    function = getattr(torch.nn.functional, f"conv{config.ndim}d")
    torch_y = function(*tensors, **config.hyperparameters())
    torch_y.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(y, torch_y.detach().numpy(), atol=1e-9)
    for ours, tensor in zip(grads, tensors):
        if tensor is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours, tensor.grad.numpy(), atol=1e-9)
