import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import Conv1d, Conv2d, Conv3d
from minicnn.testing import arrays, conv_configs


@given(conv_configs(max_extra_size=2), st.data())
def test_layers_pass_gradcheck(config, data):
    layer = config.layer()
    x = data.draw(arrays(config.input_shape))
    assert mc.gradcheck(layer, x, mode="full")
    assert mc.gradcheck(layer, x, mode="fast", seed=data.draw(st.integers(0, 1000)))
    assert layer.weight.dtype == np.float32  # gradcheck restored the float32 parameters


@given(conv_configs(), st.data())
def test_layer_output_shape_and_dtype(config, data):
    layer = config.layer()
    x = data.draw(arrays(config.input_shape, np.float32))
    y = layer(x)
    assert y.shape == config.output_shape and y.dtype == np.float32
    dx = layer.backward(np.ones_like(y))
    assert dx.shape == x.shape and dx.dtype == np.float32
    assert layer.weight.grad.shape == config.weight_shape


def test_float64_input_with_float32_parameters():
    layer = Conv2d(2, 3, 3)
    y = layer(np.ones((1, 2, 4, 4)))
    assert y.dtype == np.float64
    layer.backward(np.ones_like(y))
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32


def test_gradients_accumulate_over_backward_calls():
    layer = Conv1d(2, 2, 3)
    x = np.random.default_rng(0).standard_normal((2, 2, 6))
    y = layer(x)
    layer.backward(np.ones_like(y))
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer.backward(np.ones_like(y))
    np.testing.assert_allclose(layer.weight.grad, 2 * once[0], rtol=1e-6)
    np.testing.assert_allclose(layer.bias.grad, 2 * once[1], rtol=1e-6)


@pytest.mark.parametrize(
    ("cls", "groups", "kernel"), [(Conv1d, 1, 5), (Conv2d, 2, 3), (Conv3d, 1, (1, 2, 3))]
)
def test_default_initialisation_is_pytorchs(cls, groups, kernel):
    mc.manual_seed(7)
    layer = cls(4, 6, kernel, groups=groups)
    k = kernel if isinstance(kernel, tuple) else (kernel,) * cls.ndim
    assert layer.weight.shape == (6, 4 // groups, *k)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    bound = 1 / math.sqrt(4 // groups * math.prod(k))
    for p in layer.parameters():
        assert np.all(np.abs(p.data) <= bound)
        assert np.abs(p.data).max() > 0.5 * bound
    mc.manual_seed(7)
    np.testing.assert_array_equal(cls(4, 6, kernel, groups=groups).weight.data, layer.weight.data)


def test_no_bias():
    layer = Conv2d(1, 1, 2, bias=False)
    assert layer.bias is None and len(layer.parameters()) == 1
    assert mc.gradcheck(layer, np.ones((1, 1, 3, 3)))
    assert repr(layer) == "Conv2d(1, 1, kernel_size=(2, 2), stride=(1, 1), bias=False)"


def test_same_padding_with_an_even_kernel_keeps_the_size():
    layer = Conv2d(1, 1, (2, 4), padding="same", dilation=(1, 2))
    assert layer(np.ones((1, 1, 5, 9))).shape == (1, 1, 5, 9)
    assert repr(layer) == (
        "Conv2d(1, 1, kernel_size=(2, 4), stride=(1, 1), padding=same, dilation=(1, 2))"
    )
    valid = "Conv1d(1, 2, kernel_size=(3,), stride=(1,), padding=valid)"  # PyTorch's text
    assert repr(Conv1d(1, 2, 3, padding="valid")) == valid


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(kernel_size=0), ValueError, "kernel_size must be >= 1"),
        (dict(kernel_size=2.5), TypeError, "kernel_size must be an int"),
        (dict(kernel_size=(3, 3, 3)), ValueError, "kernel_size must have 2 entries"),
        (dict(stride=0), ValueError, "stride must be >= 1"),
        (dict(dilation=0), ValueError, "dilation must be >= 1"),
        (dict(padding=-1), ValueError, "padding must be >= 0"),
        (dict(padding=(1, -1)), ValueError, "padding must be >= 0"),
        (dict(padding="full"), ValueError, "padding must be an int, a tuple, 'same' or 'valid'"),
        (dict(padding="same", stride=2), ValueError, "padding='same' needs stride 1"),
        (dict(in_channels=0), ValueError, "in_channels must be >= 1"),
        (dict(out_channels=0), ValueError, "out_channels must be >= 1"),
        (dict(in_channels=True), TypeError, "in_channels must be an int"),
        (dict(groups=0), ValueError, "groups must be >= 1"),
        (dict(in_channels=3, groups=2), ValueError, r"in_channels \(3\) must be divisible"),
        (dict(out_channels=3, groups=2), ValueError, r"out_channels \(3\) must be divisible"),
        (dict(bias="yes"), TypeError, "bias must be True or False"),
    ],
)
def test_bad_hyperparameters_raise_at_construction(kwargs, error, message):
    arguments = dict(in_channels=4, out_channels=4, kernel_size=3) | kwargs
    with pytest.raises(error, match=message):
        Conv2d(**arguments)


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.zeros((2, 5, 5)), ValueError, r"4-d input \(N, C, H, W\) \(the batch axis"),
        (np.zeros((1, 3, 5, 5)), ValueError, "expected 2 input channels, got 3"),
        (np.zeros((1, 2, 5, 5), np.int64), TypeError, "floating-point array, got dtype int64"),
        ([[0.0]], TypeError, r"array of shape \(N, C, H, W\), got list"),
        (np.zeros((1, 2, 2, 9)), ValueError, "kernel larger than the padded input"),
    ],
)
def test_bad_inputs_raise_at_call(x, error, message):
    with pytest.raises(error, match=message):
        Conv2d(2, 2, 3)(x)


def test_empty_spatial_axis_is_refused_even_with_padding():
    with pytest.raises(ValueError, match="non-empty spatial shape"):
        Conv2d(1, 1, 1, padding=1)(np.zeros((1, 1, 0, 3)))


def test_bias_accepts_truth_values_like_pytorch():
    assert Conv1d(1, 1, 1, bias=np.True_).bias is not None
    assert Conv1d(1, 1, 1, bias=0).bias is None


def test_conv3d_names_its_layout():
    with pytest.raises(ValueError, match=r"5-d input \(N, C, D, H, W\)"):
        Conv3d(1, 1, 1)(np.zeros((1, 1, 2, 2)))


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        Conv1d(1, 1, 1).backward(np.zeros((1, 1, 1)))


def test_positional_arguments_follow_pytorchs_order():
    # Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias)
    layer = Conv2d(6, 6, 3, 1, 0, 2, 3, False)
    assert layer.dilation == (2, 2) and layer.groups == 3 and layer.bias is None
    assert layer.weight.shape == (6, 2, 3, 3)
