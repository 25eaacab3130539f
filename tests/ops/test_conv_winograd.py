"""Winograd F(4×4, 3×3): its transform matrices, their unrolled forms, and float32 accuracy.

That the whole algorithm computes the convolution and its gradients is tested with the other
algorithms in test_conv_algorithms.py."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops import conv_winograd as winograd
from minicnn.ops.conv import conv_forward
from minicnn.testing import arrays


@given(arrays((6,)), arrays((3,)))
def test_the_matrices_compute_four_outputs_of_a_1d_correlation(d, g):
    expected = [d[i : i + 3] @ g for i in range(4)]
    outputs = winograd.AT @ ((winograd.G @ g) * (winograd.BT @ d))
    np.testing.assert_allclose(outputs, expected, rtol=1e-12, atol=1e-12)


@given(arrays((6, 6)), arrays((3, 3)))
def test_the_nested_2d_form_computes_a_4x4_block(tile, kernel):
    expected = [[np.sum(tile[i : i + 3, j : j + 3] * kernel) for j in range(4)] for i in range(4)]
    transformed = (winograd.G @ kernel @ winograd.G.T) * (winograd.BT @ tile @ winograd.BT.T)
    np.testing.assert_allclose(winograd.AT @ transformed @ winograd.AT.T, expected, atol=1e-12)


@given(st.data())
def test_unrolled_transforms_equal_the_matrix_products(data):
    six, four = data.draw(arrays((6,))), data.draw(arrays((4,)))
    np.testing.assert_allclose(winograd._bt(*six), winograd.BT @ six, atol=1e-12)
    np.testing.assert_allclose(winograd._bt_adjoint(*six), winograd.BT.T @ six, atol=1e-12)
    np.testing.assert_allclose(winograd._at(*six), winograd.AT @ six, atol=1e-12)
    np.testing.assert_allclose(winograd._at_adjoint(*four), winograd.AT.T @ four, atol=1e-12)


def test_float32_error_on_a_resnet_sized_layer_is_small():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 64, 16, 16)).astype(np.float32)
    weight = (rng.standard_normal((64, 64, 3, 3)) / 24).astype(np.float32)
    y, _ = conv_forward(x, weight, None, 1, 1, algorithm="winograd")
    exact, _ = conv_forward(x.astype(np.float64), weight.astype(np.float64), None, 1, 1)
    assert y.dtype == np.float32
    assert np.abs(y - exact).max() <= 1e-5 * np.abs(exact).max()
