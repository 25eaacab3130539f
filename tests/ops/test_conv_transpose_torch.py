"""PyTorch as an independent oracle for the transposed convolution (float64, 1e-9), its layers'
initialisation and repr. Skipped without PyTorch."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.ops.conv_transpose import conv_transpose_backward, conv_transpose_forward
from minicnn.testing import ConvTransposeConfig, arrays, conv_transpose_configs

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _torch_conv_transpose(config, x, weight, bias, grad_out):
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, weight)]
    tensors.append(None if bias is None else torch.tensor(bias, requires_grad=True))
    function = getattr(torch.nn.functional, f"conv_transpose{config.ndim}d")
    y = function(*tensors, **config.hyperparameters())
    y.backward(torch.tensor(grad_out))
    grads = [None if t is None else t.grad.numpy() for t in tensors]
    return y.detach().numpy(), grads


def _check_against_torch(config, x, weight, bias, grad_out_of):
    y, cache = conv_transpose_forward(x, weight, bias, **config.hyperparameters())
    grad_out = grad_out_of(y.shape)
    grads = conv_transpose_backward(grad_out, cache)
    torch_y, torch_grads = _torch_conv_transpose(config, x, weight, bias, grad_out)
    assert y.shape == torch_y.shape
    np.testing.assert_allclose(y, torch_y, rtol=1e-9, atol=1e-9)
    for name, ours, theirs in zip(("dx", "dweight", "dbias"), grads, torch_grads):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9, err_msg=name)


@given(conv_transpose_configs(max_extra_size=4), st.data())
def test_forward_and_gradients_match_pytorch(config, data):
    x = data.draw(arrays(config.input_shape))
    weight = data.draw(arrays(config.weight_shape))
    bias = data.draw(arrays((config.out_channels,))) if config.bias else None
    _check_against_torch(config, x, weight, bias, lambda shape: data.draw(arrays(shape)))


@pytest.mark.parametrize(
    "config_kwargs",
    [
        # FCN/U-Net upsampling: kernel 4, stride 2, padding 1 doubles H and W
        dict(
            in_channels=4,
            out_channels=2,
            groups=1,
            kernel_size=(4, 4),
            stride=(2, 2),
            padding=1,
            output_padding=(0, 0),
            dilation=(1, 1),
            spatial=(5, 6),
        ),
        # kernel 3, stride 2, padding 1, output_padding 1: also doubles (the DCGAN form)
        dict(
            in_channels=3,
            out_channels=3,
            groups=1,
            kernel_size=(3, 3),
            stride=(2, 2),
            padding=1,
            output_padding=(1, 1),
            dilation=(1, 1),
            spatial=(4, 4),
        ),
        # output_padding >= stride, allowed because it is < dilation
        dict(
            in_channels=2,
            out_channels=4,
            groups=2,
            kernel_size=(3,),
            stride=(1,),
            padding=(2,),
            output_padding=(2,),
            dilation=(3,),
            spatial=(5,),
        ),
        # depthwise 3-d, strided, per-axis everything
        dict(
            in_channels=3,
            out_channels=6,
            groups=3,
            kernel_size=(2, 3, 1),
            stride=(2, 1, 3),
            padding=(1, 0, 0),
            output_padding=(1, 0, 2),
            dilation=(1, 2, 1),
            spatial=(3, 4, 2),
        ),
    ],
    ids=["fcn-k4-s2-p1", "k3-s2-p1-op1", "output-padding-below-dilation", "3d-depthwise"],
)
def test_named_configurations_match_pytorch(config_kwargs):
    config = ConvTransposeConfig(batch=2, bias=True, **config_kwargs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(config.input_shape)
    weight = rng.standard_normal(config.weight_shape)
    bias = rng.standard_normal(config.out_channels)
    _check_against_torch(config, x, weight, bias, rng.standard_normal)


@given(conv_transpose_configs(ndims=(1, 2)), st.data())
def test_layers_match_pytorchs_layers(config, data):
    layer = config.layer()
    torch_layer = getattr(torch.nn, f"ConvTranspose{config.ndim}d")(
        config.in_channels,
        config.out_channels,
        config.kernel_size,
        bias=config.bias,
        **config.hyperparameters(),
    ).double()
    assert repr(layer) == repr(torch_layer)
    assert [p.shape for p in layer.parameters()] == [
        tuple(p.shape) for p in torch_layer.parameters()
    ]
    with torch.no_grad():
        for ours, theirs in zip(layer.parameters(), torch_layer.parameters()):
            theirs.copy_(torch.tensor(ours.data))
    x = data.draw(arrays(config.input_shape))
    y = layer(x)
    torch_x = torch.tensor(x, requires_grad=True)
    torch_y = torch_layer(torch_x)
    grad_out = data.draw(arrays(y.shape))
    torch_y.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(y, torch_y.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(layer.backward(grad_out), torch_x.grad.numpy(), rtol=1e-9, atol=1e-9)
    for ours, theirs in zip(layer.parameters(), torch_layer.parameters()):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("cls", "in_channels", "out_channels", "kernel", "groups"),
    [
        ("ConvTranspose1d", 2, 12, 5, 1),
        ("ConvTranspose2d", 16, 2, 3, 1),
        ("ConvTranspose2d", 4, 6, (2, 3), 2),
        ("ConvTranspose3d", 3, 9, (1, 2, 3), 3),
    ],
)
def test_initial_bounds_use_pytorchs_fan_in(cls, in_channels, out_channels, kernel, groups):
    # fan_in comes from weight.shape[1]·ΠK = C_out/groups·ΠK, not from C_in: the bounds differ
    # whenever in_channels != out_channels.
    mc.manual_seed(0)
    layer = getattr(mc.nn, cls)(in_channels, out_channels, kernel, groups=groups)
    torch_layer = getattr(torch.nn, cls)(in_channels, out_channels, kernel, groups=groups)
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(torch_layer.weight)
    bound = 1 / np.sqrt(fan_in)
    for ours, theirs in zip(layer.parameters(), torch_layer.parameters()):
        assert ours.shape == tuple(theirs.shape)
        assert np.abs(ours.data).max() <= bound
        assert np.abs(ours.data).max() > 0.5 * bound
        assert theirs.detach().abs().max().item() <= bound
