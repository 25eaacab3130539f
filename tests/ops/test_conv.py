"""The convolution op against the naive reference, exact algebraic properties, and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.conv import conv_backward, conv_forward
from minicnn.testing import arrays, conv_configs, naive_conv_backward, naive_conv_forward


def _draw_operands(config, data, dtype=np.float64):
    x = data.draw(arrays(config.input_shape, dtype))
    weight = data.draw(arrays(config.weight_shape, dtype))
    bias = data.draw(arrays((config.out_channels,), dtype)) if config.bias else None
    return x, weight, bias


def _forward(config, x, weight, bias=None):
    return conv_forward(x, weight, bias, **config.hyperparameters())


@given(conv_configs(), st.data())
def test_forward_matches_the_naive_reference(config, data):
    x, weight, bias = _draw_operands(config, data)
    y, _ = _forward(config, x, weight, bias)
    expected = naive_conv_forward(
        x, weight, bias, config.stride, config.padding_pairs, config.dilation, config.groups
    )
    assert y.shape == expected.shape == config.output_shape
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


@given(conv_configs(), st.data())
def test_backward_matches_the_naive_reference(config, data):
    x, weight, bias = _draw_operands(config, data)
    y, cache = _forward(config, x, weight, bias)
    grad_out = data.draw(arrays(y.shape))
    dx, dweight, dbias = conv_backward(grad_out, cache)
    ref_dx, ref_dweight, ref_dbias = naive_conv_backward(
        grad_out, x, weight, config.stride, config.padding_pairs, config.dilation, config.groups
    )
    np.testing.assert_allclose(dx, ref_dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dweight, ref_dweight, rtol=1e-12, atol=1e-12)
    if config.bias:
        np.testing.assert_allclose(dbias, ref_dbias, rtol=1e-12, atol=1e-12)
    else:
        assert dbias is None


@given(conv_configs().filter(lambda config: config.padding == "same"), st.data())
def test_same_padding_keeps_the_spatial_shape(config, data):
    x, weight, _ = _draw_operands(config, data)
    assert _forward(config, x, weight)[0].shape[2:] == config.spatial


@pytest.mark.parametrize(
    "make_view",
    [
        lambda a: np.asfortranarray(a),
        lambda a: a[:, :, ::-1].copy()[:, :, ::-1],
        lambda a: np.swapaxes(np.swapaxes(a, 0, 1).copy(), 0, 1),
        lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
    ],
    ids=["fortran", "negative-stride", "transposed", "strided"],
)
def test_non_contiguous_inputs_give_the_same_result(make_view):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 6, 5))
    weight = rng.standard_normal((6, 2, 3, 2))
    grad_out = rng.standard_normal((2, 6, 3, 3))
    view = make_view(x)
    assert not view.flags.c_contiguous and np.array_equal(view, x)
    y, cache = conv_forward(x, weight, None, 2, 1, 1, 2)
    y_view, cache_view = conv_forward(view, make_view(weight), None, 2, 1, 1, 2)
    np.testing.assert_array_equal(y, y_view)
    for g, g_view in zip(
        conv_backward(grad_out, cache), conv_backward(make_view(grad_out), cache_view)
    ):
        np.testing.assert_array_equal(g, g_view)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_grad_out_of_another_dtype_is_cast_to_the_input_dtype(dtype):
    x = np.ones((1, 2, 4), dtype)
    y, cache = conv_forward(x, np.ones((3, 2, 2), np.float32), np.zeros(3, np.float64))
    assert y.dtype == dtype
    grads = conv_backward(np.ones(y.shape, np.float64), cache)
    assert all(g.dtype == dtype for g in grads)
    # dx[c, i] = Σ over 3 output channels of the windows covering i: [1, 2, 2, 1] · 3
    np.testing.assert_array_equal(grads[0], [[[3, 6, 6, 3], [3, 6, 6, 3]]])


@given(conv_configs(), st.data())
def test_adjoint_identities(config, data):
    # <conv(x, w), g> = <x, dconv/dx(g)> = <w, dconv/dw(g)> because conv is bilinear.
    x, weight, _ = _draw_operands(config, data)
    y, cache = _forward(config, x, weight)
    g = data.draw(arrays(y.shape))
    dx, dweight, _ = conv_backward(g, cache)
    inner = np.vdot(y, g)
    np.testing.assert_allclose(inner, np.vdot(x, dx), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(inner, np.vdot(weight, dweight), rtol=1e-10, atol=1e-12)


@given(conv_configs(), st.data(), st.floats(-2, 2), st.floats(-2, 2))
def test_linear_in_the_input_and_in_the_weight(config, data, a, b):
    x1, w1, _ = _draw_operands(config, data)
    x2, w2, _ = _draw_operands(config, data)
    combined_x = _forward(config, a * x1 + b * x2, w1)[0]
    np.testing.assert_allclose(
        combined_x,
        a * _forward(config, x1, w1)[0] + b * _forward(config, x2, w1)[0],
        rtol=1e-10,
        atol=1e-12,
    )
    combined_w = _forward(config, x1, a * w1 + b * w2)[0]
    np.testing.assert_allclose(
        combined_w,
        a * _forward(config, x1, w1)[0] + b * _forward(config, x1, w2)[0],
        rtol=1e-10,
        atol=1e-12,
    )


@given(conv_configs(), st.data())
def test_float32_stays_float32_and_agrees_with_float64(config, data):
    x, weight, bias = _draw_operands(config, data, np.float32)
    y, cache = _forward(config, x, weight, bias)
    grad_out = data.draw(arrays(y.shape, np.float32))
    grads = conv_backward(grad_out, cache)
    assert y.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads if g is not None)
    y64, cache64 = _forward(
        config, *(None if a is None else a.astype(np.float64) for a in (x, weight, bias))
    )
    grads64 = conv_backward(grad_out.astype(np.float64), cache64)
    np.testing.assert_allclose(y, y64, rtol=1e-4, atol=1e-5)
    for g, g64 in zip(grads, grads64):
        if g is not None:
            np.testing.assert_allclose(g, g64, rtol=1e-4, atol=1e-5)


@given(conv_configs(), st.data())
def test_never_modifies_its_arguments(config, data):
    x, weight, bias = _draw_operands(config, data)
    originals = [a.copy() for a in (x, weight) + ((bias,) if config.bias else ())]
    y, cache = _forward(config, x, weight, bias)
    grad_out = data.draw(arrays(y.shape))
    grad_before = grad_out.copy()
    conv_backward(grad_out, cache)
    conv_backward(grad_out, cache)
    for original, now in zip(originals, (x, weight, bias)):
        np.testing.assert_array_equal(original, now)
    np.testing.assert_array_equal(grad_out, grad_before)


def test_computes_in_the_input_dtype():
    x64 = np.full((1, 1, 4), 1 + 1e-12, np.float64)  # not representable in float32
    w32 = np.ones((1, 1, 2), np.float32)
    y, cache = conv_forward(x64, w32)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, 2 + 2e-12, rtol=1e-15)  # the weight was promoted, not x rounded
    assert conv_backward(np.ones_like(y), cache)[1].dtype == np.float64
    y32, _ = conv_forward(x64.astype(np.float32), w32.astype(np.float64))
    assert y32.dtype == np.float32


def test_hand_computed_2d_example():
    # 1×1×3×3 input 1..9, 2×2 kernel of ones, stride 1: each output is a 2×2 window sum.
    x = np.arange(1, 10, dtype=np.float64).reshape(1, 1, 3, 3)
    y, cache = conv_forward(x, np.ones((1, 1, 2, 2)), np.array([0.5]))
    np.testing.assert_array_equal(y, [[[[12.5, 16.5], [24.5, 28.5]]]])
    dx, dweight, dbias = conv_backward(np.ones_like(y), cache)
    np.testing.assert_array_equal(dx, [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]])
    np.testing.assert_array_equal(dweight, [[[[12, 16], [24, 28]]]])
    np.testing.assert_array_equal(dbias, [4])


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs", "error", "message"),
    [
        ((1, 2, 5, 5), (3, 2, 3, 3), {}, None, None),
        ((2, 5, 5), (3, 2, 3, 3), {}, ValueError, r"4-d input \(N, C, H, W\).*got 3-d"),
        ((1, 3, 5, 5), (3, 2, 3, 3), {}, ValueError, "expected 2 input channels, got 3"),
        ((1, 4, 5, 5), (3, 2, 3, 3), {"groups": 2}, ValueError, "out_channels.*divisible"),
        ((1, 2, 2, 5), (3, 2, 3, 3), {}, ValueError, "kernel larger than the padded input"),
        ((1, 2, 5, 5), (3, 2, 3, 3), {"stride": 0}, ValueError, "stride must be >= 1"),
        ((1, 2, 5, 5), (3, 2, 3, 3), {"dilation": (1,)}, ValueError, "dilation must have 2"),
        ((1, 2, 5, 5), (3, 2, 3, 3), {"padding": -1}, ValueError, "padding must be >= 0"),
        ((1, 2, 5, 5), (3, 2), {}, ValueError, "weight must be"),
        ((1, 2, 5, 5), (0, 2, 3, 3), {}, ValueError, r"empty axis: shape \(0, 2, 3, 3\)"),
        ((1, 0, 5, 5), (3, 0, 3, 3), {}, ValueError, "empty axis"),
        ((1, 2, 5, 5), (3, 2, 0, 3), {}, ValueError, "empty axis"),
    ],
)
def test_bad_arguments_raise(x_shape, w_shape, kwargs, error, message):
    x, w = np.zeros(x_shape), np.zeros(w_shape)
    if error is None:
        conv_forward(x, w, **kwargs)
    else:
        with pytest.raises(error, match=message):
            conv_forward(x, w, **kwargs)


def test_bad_dtype_bias_and_grad_out_raise():
    w = np.zeros((3, 2, 3, 3))
    with pytest.raises(TypeError, match="floating-point"):
        conv_forward(np.zeros((1, 2, 5, 5), np.int32), w)
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\)"):
        conv_forward(np.zeros((1, 2, 5, 5)), w, np.zeros(2))
    _, cache = conv_forward(np.zeros((1, 2, 5, 5)), w)
    with pytest.raises(ValueError, match=r"grad_out must have shape \(1, 3, 3, 3\)"):
        conv_backward(np.zeros((1, 3, 3, 2)), cache)
