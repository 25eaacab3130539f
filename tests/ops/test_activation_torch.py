"""PyTorch as an independent oracle for the activations, softmax and log-softmax (float64,
1e-9), including inputs of magnitude 1e4 and exact zeros. Skipped without PyTorch."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.relu import (
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
)
from minicnn.ops.sigmoid import sigmoid_backward, sigmoid_forward
from minicnn.ops.softmax import (
    log_softmax_backward,
    log_softmax_forward,
    softmax_backward,
    softmax_forward,
)
from minicnn.ops.tanh import tanh_backward, tanh_forward
from minicnn.testing import arrays

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch
F = torch.nn.functional

# name → (our forward, our backward, PyTorch's function); each takes (x, dim) for uniformity.
ELEMENTWISE = {
    "relu": (relu_forward, relu_backward, F.relu),
    "leaky_relu": (
        lambda x: leaky_relu_forward(x, 0.2),
        leaky_relu_backward,
        lambda t: F.leaky_relu(t, 0.2),
    ),
    "sigmoid": (sigmoid_forward, sigmoid_backward, torch.sigmoid),
    "tanh": (tanh_forward, tanh_backward, torch.tanh),
}
ALONG_AXIS = {
    "softmax": (softmax_forward, softmax_backward, F.softmax),
    "log_softmax": (log_softmax_forward, log_softmax_backward, F.log_softmax),
}

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)
magnitudes = st.sampled_from([1.0, 30.0, 1e4])


def _torch_forward_backward(function, x, grad_out):
    t = torch.tensor(x, requires_grad=True)
    y = function(t)
    y.backward(torch.tensor(grad_out))
    return y.detach().numpy(), t.grad.numpy()


def _check(forward, backward, torch_function, x, grad_out):
    y, cache = forward(x)
    dx = backward(grad_out, cache)
    torch_y, torch_dx = _torch_forward_backward(torch_function, x, grad_out)
    np.testing.assert_allclose(y, torch_y, rtol=1e-9, atol=1e-9, err_msg="forward")
    np.testing.assert_allclose(dx, torch_dx, rtol=1e-9, atol=1e-9, err_msg="backward")


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(shapes, magnitudes, st.data())
def test_elementwise_activations_match_pytorch(name, shape, magnitude, data):
    x = data.draw(arrays(shape, low=-magnitude, high=magnitude))
    _check(*ELEMENTWISE[name], x, data.draw(arrays(shape)))


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_activations_match_pytorch_at_zero_and_extremes(name):
    # The kinks of ReLU and leaky ReLU sit at exactly 0: the subgradient chosen there must
    # be PyTorch's. Sigmoid and tanh must saturate at ±1e4 as PyTorch's do, without NaN.
    x = np.array([[-1e4, -710.0, -1.0, -0.0, 0.0, 1e-300, 1.0, 710.0, 1e4]])
    grad_out = np.linspace(0.5, 2.0, x.size).reshape(x.shape)
    _check(*ELEMENTWISE[name], x, grad_out)


@st.composite
def shapes_and_dims(draw):
    shape = draw(shapes)
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


@pytest.mark.parametrize("name", ALONG_AXIS)
@given(shapes_and_dims(), magnitudes, st.data())
def test_softmax_and_log_softmax_match_pytorch(name, shape_and_dim, magnitude, data):
    shape, dim = shape_and_dim
    forward, backward, torch_function = ALONG_AXIS[name]
    x = data.draw(arrays(shape, low=-magnitude, high=magnitude))
    _check(
        lambda a: forward(a, dim),
        backward,
        lambda t: torch_function(t, dim=dim),
        x,
        data.draw(arrays(shape)),
    )


@pytest.mark.parametrize("name", ALONG_AXIS)
def test_softmax_and_log_softmax_match_pytorch_at_logits_of_1e4(name):
    forward, backward, torch_function = ALONG_AXIS[name]
    rng = np.random.default_rng(0)
    x = rng.uniform(-1e4, 1e4, (3, 5, 2))
    x[0, :, 0] = 1e4  # a tie at the maximum
    x[1, :, 1] = [1e4, 1e4 - 1, 1e4 - 2, -1e4, -1e4]
    _check(
        lambda a: forward(a, 1),
        backward,
        lambda t: torch_function(t, dim=1),
        x,
        rng.standard_normal(x.shape),
    )
