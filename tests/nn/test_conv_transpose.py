import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import Conv2d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from minicnn.testing import arrays, conv_transpose_configs

SMALL = dict(max_channels_per_group=2, max_kernel=3, max_stride=2, max_extra_size=1)


@given(conv_transpose_configs(**SMALL), st.data())
def test_layers_pass_gradcheck(config, data):
    layer = config.layer()
    x = data.draw(arrays(config.input_shape))
    assert mc.gradcheck(layer, x, mode="auto")
    assert mc.gradcheck(layer, x, mode="fast", seed=data.draw(st.integers(0, 1000)))
    assert layer.weight.dtype == np.float32  # gradcheck restored the float32 parameters


@given(conv_transpose_configs(ndims=(1, 2), max_channels_per_group=2, max_stride=2), st.data())
def test_full_jacobian_on_small_1d_and_2d_layers(config, data):
    layer = config.layer()
    assert mc.gradcheck(layer, data.draw(arrays(config.input_shape)), mode="full")


@given(conv_transpose_configs(), st.data())
def test_layer_output_shape_and_dtype(config, data):
    layer = config.layer()
    x = data.draw(arrays(config.input_shape, np.float32))
    y = layer(x)
    assert y.shape == config.output_shape and y.dtype == np.float32
    dx = layer.backward(np.ones_like(y))
    assert dx.shape == x.shape and dx.dtype == np.float32
    assert layer.weight.grad.shape == config.weight_shape
    assert layer.weight.grad.dtype == np.float32


def test_float64_input_with_float32_parameters():
    layer = ConvTranspose2d(2, 3, 3, stride=2)
    y = layer(np.ones((1, 2, 4, 4)))
    assert y.dtype == np.float64 and y.shape == (1, 3, 9, 9)
    layer.backward(np.ones_like(y))
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32


def test_gradients_accumulate_over_backward_calls():
    layer = ConvTranspose1d(2, 2, 3, stride=2)
    x = np.random.default_rng(0).standard_normal((2, 2, 4))
    y = layer(x)
    layer.backward(np.ones_like(y))
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer.backward(np.ones_like(y))
    np.testing.assert_allclose(layer.weight.grad, 2 * once[0], rtol=1e-6)
    np.testing.assert_allclose(layer.bias.grad, 2 * once[1], rtol=1e-6)


def test_upsamples_what_a_strided_convolution_downsampled():
    # The segmentation pattern: Conv2d(k3, s2, p1) halves 16 → 8, ConvTranspose2d(k3, s2, p1,
    # output_padding=1) brings it back to 16; kernel 4, stride 2, padding 1 doubles as well.
    x = np.ones((1, 3, 16, 16), np.float32)
    down = Conv2d(3, 8, 3, stride=2, padding=1)(x)
    assert down.shape == (1, 8, 8, 8)
    assert ConvTranspose2d(8, 3, 3, stride=2, padding=1, output_padding=1)(down).shape == x.shape
    assert ConvTranspose2d(8, 3, 4, stride=2, padding=1)(down).shape == x.shape


@pytest.mark.parametrize(
    ("cls", "in_channels", "out_channels", "groups", "kernel"),
    [
        (ConvTranspose1d, 4, 6, 1, 5),
        (ConvTranspose2d, 4, 6, 2, 3),
        (ConvTranspose2d, 16, 2, 1, 3),
        (ConvTranspose3d, 3, 9, 3, (1, 2, 3)),
    ],
)
def test_default_initialisation_is_pytorchs(cls, in_channels, out_channels, groups, kernel):
    mc.manual_seed(7)
    layer = cls(in_channels, out_channels, kernel, groups=groups)
    k = kernel if isinstance(kernel, tuple) else (kernel,) * cls.ndim
    assert layer.weight.shape == (in_channels, out_channels // groups, *k)
    assert layer.bias.shape == (out_channels,)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    bound = 1 / math.sqrt(out_channels // groups * math.prod(k))  # fan_in from weight.shape[1]
    for p in layer.parameters():
        assert np.all(np.abs(p.data) <= bound)
        assert np.abs(p.data).max() > 0.5 * bound
    mc.manual_seed(7)
    again = cls(in_channels, out_channels, kernel, groups=groups)
    np.testing.assert_array_equal(again.weight.data, layer.weight.data)


def test_no_bias():
    layer = ConvTranspose2d(1, 1, 2, bias=False)
    assert layer.bias is None and len(layer.parameters()) == 1
    assert mc.gradcheck(layer, np.ones((1, 1, 3, 3)))
    assert repr(layer) == "ConvTranspose2d(1, 1, kernel_size=(2, 2), stride=(1, 1), bias=False)"


def test_repr_is_pytorchs():
    layer = ConvTranspose2d(
        4, 6, (3, 5), stride=(2, 1), padding=(4, 2), output_padding=1, groups=2, dilation=(1, 2)
    )
    assert repr(layer) == (
        "ConvTranspose2d(4, 6, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2), "
        "dilation=(1, 2), output_padding=(1, 1), groups=2)"
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(kernel_size=0), ValueError, "kernel_size must be >= 1"),
        (dict(kernel_size=(3, 3, 3)), ValueError, "kernel_size must have 2 entries"),
        (dict(stride=0), ValueError, "stride must be >= 1"),
        (dict(dilation=0), ValueError, "dilation must be >= 1"),
        (dict(padding=-1), ValueError, "padding must be >= 0"),
        (dict(padding="same"), TypeError, "padding must be an int or a tuple"),
        (dict(output_padding=-1), ValueError, "output_padding must be >= 0"),
        (dict(output_padding=1), ValueError, "output_padding must be smaller than either"),
        (dict(output_padding=2, stride=2), ValueError, "output_padding must be smaller"),
        (dict(output_padding=(2, 2), stride=2, dilation=(1, 3)), ValueError, "smaller"),
        (dict(in_channels=0), ValueError, "in_channels must be >= 1"),
        (dict(out_channels=0), ValueError, "out_channels must be >= 1"),
        (dict(groups=0), ValueError, "groups must be >= 1"),
        (dict(in_channels=3, groups=2), ValueError, r"in_channels \(3\) must be divisible"),
        (dict(out_channels=3, groups=2), ValueError, r"out_channels \(3\) must be divisible"),
        (dict(bias="yes"), TypeError, "bias must be True or False"),
    ],
)
def test_bad_hyperparameters_raise_at_construction(kwargs, error, message):
    arguments = dict(in_channels=4, out_channels=4, kernel_size=3) | kwargs
    with pytest.raises(error, match=message):
        ConvTranspose2d(**arguments)


def test_output_padding_below_stride_or_dilation_is_accepted():
    assert ConvTranspose2d(1, 1, 3, stride=2, output_padding=1).output_padding == (1, 1)
    layer = ConvTranspose2d(1, 1, 3, output_padding=(0, 2), dilation=(1, 3))
    assert layer(np.ones((1, 1, 2, 2))).shape == (1, 1, 4, 10)


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.zeros((2, 5, 5)), ValueError, r"4-d input \(N, C, H, W\) \(the batch axis"),
        (np.zeros((1, 3, 5, 5)), ValueError, "expected 2 input channels, got 3"),
        (np.zeros((1, 2, 5, 5), np.int64), TypeError, "floating-point array, got dtype int64"),
        ([[0.0]], TypeError, r"array of shape \(N, C, H, W\), got list"),
        (np.zeros((1, 2, 1, 1)), ValueError, "output too small"),
    ],
)
def test_bad_inputs_raise_at_call(x, error, message):
    with pytest.raises(error, match=message):
        ConvTranspose2d(2, 2, 1, padding=1)(x)


def test_conv_transpose3d_names_its_layout():
    with pytest.raises(ValueError, match=r"5-d input \(N, C, D, H, W\)"):
        ConvTranspose3d(1, 1, 1)(np.zeros((1, 1, 2, 2)))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        ConvTranspose1d(1, 1, 1).backward(np.zeros((1, 1, 1)))


def test_positional_arguments_follow_pytorchs_order():
    # ConvTranspose2d(in, out, kernel_size, stride, padding, output_padding, groups, bias,
    # dilation): dilation comes last, after bias, in PyTorch
    layer = ConvTranspose2d(4, 6, 3, 2, 1, 1, 2, False, 2)
    assert layer.output_padding == (1, 1) and layer.groups == 2
    assert layer.bias is None and layer.dilation == (2, 2)
    assert layer(np.zeros((1, 4, 5, 5), np.float32)).shape == (1, 6, 12, 12)
