"""The transposed convolution op: a naive scatter reference, the adjoint of minicnn's
convolution, hand-computed examples, dtypes and errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.conv import conv_forward
from minicnn.ops.conv_transpose import (
    conv_transpose_backward,
    conv_transpose_forward,
    conv_transpose_output_shape,
)
from minicnn.testing import arrays, conv_transpose_configs


def _draw_operands(config, data, dtype=np.float64):
    x = data.draw(arrays(config.input_shape, dtype))
    weight = data.draw(arrays(config.weight_shape, dtype))
    bias = data.draw(arrays((config.out_channels,), dtype)) if config.bias else None
    return x, weight, bias


def _forward(config, x, weight, bias=None):
    return conv_transpose_forward(x, weight, bias, **config.hyperparameters())


def _naive_steps(config):
    """Every (input channels, output channels, input position, kernel tap, uncropped output
    position) of the scatter: input value i adds W[·, ·, k] at i·stride + k·dilation."""
    c_in_g, c_out_g = config.in_channels // config.groups, config.out_channels // config.groups
    for g in range(config.groups):
        ins = slice(g * c_in_g, (g + 1) * c_in_g)
        outs = slice(g * c_out_g, (g + 1) * c_out_g)
        for i in itertools.product(*(range(s) for s in config.spatial)):
            for k in itertools.product(*(range(n) for n in config.kernel_size)):
                at = tuple(
                    a * s + b * d for a, b, s, d in zip(i, k, config.stride, config.dilation)
                )
                yield ins, outs, i, k, at


def _uncropped_shape(config):
    """The scatter's extent before ``padding`` is cut from both sides."""
    return tuple(
        (s - 1) * st + d * (k - 1) + 1 + op
        for s, k, st, d, op in zip(
            config.spatial,
            config.kernel_size,
            config.stride,
            config.dilation,
            config.output_padding,
        )
    )


def _interior(config):
    return (
        slice(None),
        slice(None),
        *(slice(p, p + o) for p, o in zip(config.padding_tuple, config.output_shape[2:])),
    )


def naive_conv_transpose_forward(config, x, weight, bias):
    """y_full[n, g·C_out/G + o, i·s + k·d] += Σ_c x[n, g·C_in/G + c, i] · W[g·C_in/G + c, o, k],
    then padding cropped from both sides: loops over positions and taps, no im2col."""
    y_full = np.zeros((config.batch, config.out_channels, *_uncropped_shape(config)))
    for ins, outs, i, k, at in _naive_steps(config):
        y_full[(slice(None), outs, *at)] += (
            x[(slice(None), ins, *i)] @ weight[(ins, slice(None), *k)]
        )
    y = y_full[_interior(config)]
    return y if bias is None else y + bias.reshape(1, -1, *([1] * config.ndim))


def naive_conv_transpose_backward(config, grad_out, x, weight):
    """(dx, dweight, dbias) of ⟨grad_out, naive_conv_transpose_forward(...)⟩, by the same loops."""
    grad_full = np.zeros((config.batch, config.out_channels, *_uncropped_shape(config)))
    grad_full[_interior(config)] = grad_out
    dx, dweight = np.zeros_like(x), np.zeros_like(weight)
    for ins, outs, i, k, at in _naive_steps(config):
        g = grad_full[(slice(None), outs, *at)]  # (N, C_out/G)
        dx[(slice(None), ins, *i)] += g @ weight[(ins, slice(None), *k)].T
        dweight[(ins, slice(None), *k)] += x[(slice(None), ins, *i)].T @ g
    return dx, dweight, grad_out.sum(axis=(0, *range(2, grad_out.ndim)))


@given(conv_transpose_configs(), st.data())
def test_forward_matches_the_naive_scatter(config, data):
    x, weight, bias = _draw_operands(config, data)
    y, _ = _forward(config, x, weight, bias)
    assert y.shape == config.output_shape
    expected = naive_conv_transpose_forward(config, x, weight, bias)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


@given(conv_transpose_configs(), st.data())
def test_backward_matches_the_naive_scatter(config, data):
    x, weight, bias = _draw_operands(config, data)
    y, cache = _forward(config, x, weight, bias)
    grad_out = data.draw(arrays(y.shape))
    dx, dweight, dbias = conv_transpose_backward(grad_out, cache)
    ref_dx, ref_dweight, ref_dbias = naive_conv_transpose_backward(config, grad_out, x, weight)
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dweight, ref_dweight, rtol=1e-12, atol=1e-12)
    if config.bias:
        np.testing.assert_allclose(dbias, ref_dbias, rtol=1e-12, atol=1e-12)
    else:
        assert dbias is None


def _conv_with_the_same_weight(config, y, weight):
    """minicnn's convolution of y with ``weight`` read as a conv weight (C_in, C_out/G, *K),
    cut to x's spatial shape: with output_padding >= stride the convolution reaches one
    position further than the transposed convolution's input."""
    conv, _ = conv_forward(
        y, weight, None, config.stride, config.padding, config.dilation, config.groups
    )
    return conv[(slice(None), slice(None), *(slice(0, s) for s in config.spatial))]


@given(conv_transpose_configs(), st.data())
def test_is_the_adjoint_of_convolution(config, data):
    # <conv_transpose(x, W), y> = <x, conv(y, W)> for every x and y.
    x, weight, _ = _draw_operands(config, data)
    y = data.draw(arrays(config.output_shape))
    transposed, _ = _forward(config, x, weight)
    np.testing.assert_allclose(
        np.vdot(transposed, y),
        np.vdot(x, _conv_with_the_same_weight(config, y, weight)),
        rtol=1e-10,
        atol=1e-12,
    )


@given(conv_transpose_configs(), st.data())
def test_input_gradient_is_a_convolution_and_weight_gradient_an_adjoint(config, data):
    x, weight, _ = _draw_operands(config, data)
    y, cache = _forward(config, x, weight)
    g = data.draw(arrays(y.shape))
    dx, dweight, _ = conv_transpose_backward(g, cache)
    np.testing.assert_allclose(
        dx, _conv_with_the_same_weight(config, g, weight), rtol=1e-12, atol=1e-12
    )
    # bilinear: <y, g> = <x, dx> = <W, dW>
    np.testing.assert_allclose(np.vdot(y, g), np.vdot(weight, dweight), rtol=1e-10, atol=1e-12)


@given(conv_transpose_configs(), st.data())
def test_float32_stays_float32_and_agrees_with_float64(config, data):
    x, weight, bias = _draw_operands(config, data, np.float32)
    y, cache = _forward(config, x, weight, bias)
    grad_out = data.draw(arrays(y.shape, np.float32))
    grads = conv_transpose_backward(grad_out, cache)
    assert y.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads if g is not None)
    y64, cache64 = _forward(
        config, *(None if a is None else a.astype(np.float64) for a in (x, weight, bias))
    )
    grads64 = conv_transpose_backward(grad_out.astype(np.float64), cache64)
    np.testing.assert_allclose(y, y64, rtol=1e-4, atol=1e-5)
    for g, g64 in zip(grads, grads64):
        if g is not None:
            np.testing.assert_allclose(g, g64, rtol=1e-4, atol=1e-5)


@given(conv_transpose_configs(), st.data())
def test_never_modifies_its_arguments(config, data):
    x, weight, bias = _draw_operands(config, data)
    originals = [None if a is None else a.copy() for a in (x, weight, bias)]
    y, cache = _forward(config, x, weight, bias)
    grad_out = data.draw(arrays(y.shape))
    grad_before = grad_out.copy()
    first = conv_transpose_backward(grad_out, cache)
    second = conv_transpose_backward(grad_out, cache)
    for original, now in zip(originals, (x, weight, bias)):
        np.testing.assert_array_equal(original, now)
    np.testing.assert_array_equal(grad_out, grad_before)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_computes_in_the_input_dtype():
    x64 = np.full((1, 1, 2), 1 + 1e-12, np.float64)  # not representable in float32
    w32 = np.ones((1, 1, 2), np.float32)
    y, cache = conv_transpose_forward(x64, w32)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, np.array([[[1, 2, 1]]]) * (1 + 1e-12), rtol=1e-15)
    assert all(g.dtype == np.float64 for g in conv_transpose_backward(np.ones_like(y), cache)[:2])
    y32, cache32 = conv_transpose_forward(x64.astype(np.float32), w32.astype(np.float64))
    assert y32.dtype == np.float32
    grads = conv_transpose_backward(np.ones(y32.shape, np.float64), cache32)
    assert all(g.dtype == np.float32 for g in grads[:2])


def test_hand_computed_1d_example():
    # x = [1, 2], kernel [1, 10, 100], stride 2: copies of the kernel, scaled by 1 and by 2,
    # start 2 apart and overlap in one position.
    x = np.array([[[1.0, 2.0]]])
    y, cache = conv_transpose_forward(x, np.array([[[1.0, 10.0, 100.0]]]), np.array([0.5]), 2)
    np.testing.assert_array_equal(y, [[[1.5, 10.5, 102.5, 20.5, 200.5]]])
    dx, dweight, dbias = conv_transpose_backward(np.array([[[1.0, 0, 0, 0, 1]]]), cache)
    np.testing.assert_array_equal(dx, [[[1, 100]]])  # dx[i] = Σ_k g[2i + k]·w[k]
    np.testing.assert_array_equal(dweight, [[[1, 0, 2]]])  # dw[k] = Σ_i x[i]·g[2i + k]
    np.testing.assert_array_equal(dbias, [2])


def test_stride_2_kernel_2_of_ones_repeats_each_pixel_in_a_2x2_block():
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    y, cache = conv_transpose_forward(x, np.ones((1, 1, 2, 2)), stride=2)
    np.testing.assert_array_equal(y[0, 0], np.kron([[1, 2], [3, 4]], np.ones((2, 2))))
    dx, dweight, _ = conv_transpose_backward(np.ones_like(y), cache)
    np.testing.assert_array_equal(dx, np.full_like(x, 4))
    np.testing.assert_array_equal(dweight, np.full((1, 1, 2, 2), 10))


@pytest.mark.parametrize(
    ("spatial", "kwargs", "expected"),
    [
        ((4, 4), dict(kernel_size=(4, 4), stride=(2, 2), padding=(1, 1)), (8, 8)),  # FCN ×2
        ((5,), dict(kernel_size=(3,), stride=(2,), padding=(1,)), (9,)),
        ((5,), dict(kernel_size=(3,), stride=(2,), padding=(1,), output_padding=(1,)), (10,)),
        ((3,), dict(kernel_size=(3,), dilation=(2,)), (7,)),
        ((1, 2, 3), dict(kernel_size=(1, 2, 3)), (1, 3, 5)),
    ],
)
def test_output_shape_formula(spatial, kwargs, expected):
    ndim = len(spatial)
    arguments = dict(stride=(1,) * ndim, padding=(0,) * ndim, output_padding=(0,) * ndim)
    arguments |= dict(dilation=(1,) * ndim) | kwargs
    assert conv_transpose_output_shape(spatial, **arguments) == expected
    weight = np.zeros((1, 1, *arguments.pop("kernel_size")))
    y, _ = conv_transpose_forward(np.zeros((1, 1, *spatial)), weight, **arguments)
    assert y.shape[2:] == expected


def test_output_padding_chooses_among_the_sizes_a_strided_convolution_maps_back():
    # A stride-2 convolution (k3, p1) maps lengths 9 and 10 both to 5: output_padding picks.
    x, weight = np.ones((1, 1, 5)), np.ones((1, 1, 3))
    for output_padding, length in ((0, 9), (1, 10)):
        y, _ = conv_transpose_forward(x, weight, None, 2, 1, output_padding)
        assert y.shape == (1, 1, length)
        assert conv_forward(y, weight, None, 2, 1)[0].shape == (1, 1, 5)


def test_output_padding_below_the_dilation_leaves_positions_with_the_bias_only():
    # stride 1, dilation 2, output_padding 1: the last position is reached by no kernel tap.
    y, _ = conv_transpose_forward(
        np.ones((1, 1, 2)), np.ones((1, 1, 2)), np.array([0.5]), output_padding=1, dilation=2
    )
    np.testing.assert_array_equal(y, [[[1.5, 1.5, 1.5, 1.5, 0.5]]])


def test_non_contiguous_inputs_give_the_same_result():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 5, 6))
    weight = rng.standard_normal((4, 3, 3, 2))
    x_view = np.asfortranarray(x)
    w_view = np.swapaxes(np.swapaxes(weight, 0, 1).copy(), 0, 1)
    assert not x_view.flags.c_contiguous and not w_view.flags.c_contiguous
    y, cache = conv_transpose_forward(x, weight, None, 2, 1, 1, 2)
    y_view, cache_view = conv_transpose_forward(x_view, w_view, None, 2, 1, 1, 2)
    np.testing.assert_array_equal(y, y_view)
    grad_out = rng.standard_normal(y.shape)
    *grads, dbias = conv_transpose_backward(grad_out, cache)
    *grads_view, dbias_view = conv_transpose_backward(np.asfortranarray(grad_out), cache_view)
    assert dbias is None and dbias_view is None  # no bias
    for g, g_view in zip(grads, grads_view):  # dx and dweight
        np.testing.assert_array_equal(g, g_view)
        assert g.flags.c_contiguous and g_view.flags.c_contiguous


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs", "error", "message"),
    [
        ((1, 2, 3, 3), (2, 3, 3, 3), {}, None, None),
        ((2, 3, 3), (2, 3, 3, 3), {}, ValueError, r"4-d input \(N, C, H, W\).*got 3-d"),
        ((1, 3, 3, 3), (2, 3, 3, 3), {}, ValueError, "expected 2 input channels, got 3"),
        ((1, 3, 3, 3), (3, 3, 3, 3), {"groups": 2}, ValueError, r"in_channels \(3\).*groups"),
        ((1, 2, 3, 3), (2, 3, 3, 3), {"groups": 0}, ValueError, "groups must be >= 1"),
        (
            (1, 2, 3, 3),
            (2, 3, 3, 3),
            {"output_padding": 1},
            ValueError,
            r"output_padding must be smaller than either stride or dilation.*"
            r"output_padding=\(1, 1\), stride=\(1, 1\), dilation=\(1, 1\)",
        ),
        (
            (1, 2, 3, 3),
            (2, 3, 3, 3),
            {"stride": (2, 1), "output_padding": (1, 1)},
            ValueError,
            "output_padding must be smaller",
        ),
        ((1, 2, 3, 3), (2, 3, 3, 3), {"output_padding": -1}, ValueError, "output_padding must be"),
        ((1, 2, 1, 1), (2, 3, 1, 1), {"padding": 1}, ValueError, "output too small.*>= 1"),
        ((1, 2, 2, 2), (2, 3, 1, 1), {"padding": 1}, ValueError, "output too small.*>= 1"),  # 0
        ((1, 2, 3, 3), (2, 3, 3, 3), {"padding": "same"}, TypeError, "padding must be an int"),
        ((1, 2, 3, 3), (2, 3, 3, 3), {"stride": 0}, ValueError, "stride must be >= 1"),
        ((1, 2, 3, 3), (2, 3, 3, 3), {"dilation": (1,)}, ValueError, "dilation must have 2"),
        ((1, 2, 3, 3), (2, 3), {}, ValueError, r"weight must be \(C_in, C_out/groups"),
    ],
)
def test_bad_arguments_raise(x_shape, w_shape, kwargs, error, message):
    x, w = np.zeros(x_shape), np.zeros(w_shape)
    if error is None:
        assert conv_transpose_forward(x, w, **kwargs)[0].shape == (1, 3, 5, 5)
    else:
        with pytest.raises(error, match=message):
            conv_transpose_forward(x, w, **kwargs)


def test_bad_dtype_bias_and_grad_out_raise():
    w = np.zeros((2, 3, 3, 3))
    with pytest.raises(TypeError, match="floating-point"):
        conv_transpose_forward(np.zeros((1, 2, 3, 3), np.int32), w)
    with pytest.raises(ValueError, match=r"bias must have shape \(6,\)"):
        conv_transpose_forward(
            np.zeros((1, 2, 3, 3)), np.zeros((2, 3, 3, 3)), np.zeros(3), groups=2
        )
    _, cache = conv_transpose_forward(np.zeros((1, 2, 3, 3)), w)
    with pytest.raises(ValueError, match=r"grad_out must have shape \(1, 3, 5, 5\)"):
        conv_transpose_backward(np.zeros((1, 3, 3, 3)), cache)
