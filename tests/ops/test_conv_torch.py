"""PyTorch as an independent oracle for the convolution (float64, 1e-9). Skipped without it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.conv import conv_backward, conv_forward
from minicnn.testing import ConvConfig, arrays, conv_configs

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

TORCH_CONV = {1: "conv1d", 2: "conv2d", 3: "conv3d"}


def _torch_conv(config, x, weight, bias, grad_out):
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, weight)]
    tensors.append(None if bias is None else torch.tensor(bias, requires_grad=True))
    y = getattr(torch.nn.functional, TORCH_CONV[config.ndim])(*tensors, **config.hyperparameters())
    y.backward(torch.tensor(grad_out))
    grads = [None if t is None else t.grad.numpy() for t in tensors]
    return y.detach().numpy(), grads


def _check_against_torch(config, x, weight, bias, grad_out_of):
    y, cache = conv_forward(x, weight, bias, **config.hyperparameters())
    grad_out = grad_out_of(y.shape)
    grads = conv_backward(grad_out, cache)
    torch_y, torch_grads = _torch_conv(config, x, weight, bias, grad_out)
    np.testing.assert_allclose(y, torch_y, rtol=1e-9, atol=1e-9)
    for name, ours, theirs in zip(("dx", "dweight", "dbias"), grads, torch_grads):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9, err_msg=name)


@given(conv_configs(max_extra_size=5), st.data())
def test_forward_and_gradients_match_pytorch(config, data):
    x = data.draw(arrays(config.input_shape))
    weight = data.draw(arrays(config.weight_shape))
    bias = data.draw(arrays((config.out_channels,))) if config.bias else None
    _check_against_torch(config, x, weight, bias, lambda shape: data.draw(arrays(shape)))


@pytest.mark.parametrize(
    "config_kwargs",
    [
        # depthwise 3×3 (MobileNet-style), channel multiplier 2
        dict(
            in_channels=4,
            out_channels=8,
            groups=4,
            kernel_size=(3, 3),
            padding=1,
            stride=(1, 1),
            dilation=(1, 1),
            spatial=(7, 7),
        ),
        # 'same' with an even kernel and dilation: asymmetric padding
        dict(
            in_channels=2,
            out_channels=3,
            groups=1,
            kernel_size=(4,),
            padding="same",
            stride=(1,),
            dilation=(2,),
            spatial=(9,),
        ),
        # 3-d, strided, per-axis padding, grouped
        dict(
            in_channels=4,
            out_channels=2,
            groups=2,
            kernel_size=(3, 2, 3),
            padding=(1, 0, 2),
            stride=(2, 1, 3),
            dilation=(1, 2, 1),
            spatial=(6, 5, 7),
        ),
        # the ImageNet stem: 7×7, stride 2, padding 3
        dict(
            in_channels=3,
            out_channels=4,
            groups=1,
            kernel_size=(7, 7),
            padding=3,
            stride=(2, 2),
            dilation=(1, 1),
            spatial=(16, 16),
        ),
    ],
    ids=["depthwise", "same-even-dilated", "3d-grouped-strided", "stem-7x7-s2"],
)
def test_named_configurations_match_pytorch(config_kwargs):
    config = ConvConfig(batch=2, bias=True, **config_kwargs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(config.input_shape)
    weight = rng.standard_normal(config.weight_shape)
    bias = rng.standard_normal(config.out_channels)
    _check_against_torch(config, x, weight, bias, rng.standard_normal)
