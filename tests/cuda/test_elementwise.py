"""The fused kernels of ``kernels/elementwise.cu`` and their launchers
(``minicnn/cuda/elementwise.py``), built for the host (``host/``) and run on NumPy arrays,
against NumPy: bias + ReLU exactly, dropout's mask against ``uniform``, the same numbers drawn
on the CPU."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minicnn.cuda.elementwise import bias_relu, dropout, uniform

DTYPES = [np.float32, np.float64]


@settings(max_examples=30, deadline=None)
@given(
    shape=hnp.array_shapes(min_dims=2, max_dims=4, max_side=6),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**16),
)
def test_bias_relu_equals_numpy(host_kernels, shape, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    bias = rng.standard_normal(shape[1]).astype(dtype)
    x_before, bias_before = x.copy(), bias.copy()
    y = bias_relu(x, bias, run=host_kernels)
    expected = np.maximum(x + bias.reshape(-1, *(1,) * (x.ndim - 2)), 0)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, expected)  # one addition and a comparison: exact
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(bias, bias_before)


def test_bias_relu_keeps_nan(host_kernels):
    # as PyTorch's relu and minicnn's CPU ReLU (CUDA's fmax(v, 0) would give 0 instead)
    x = np.array([[np.nan, -1.0, 2.0]]).reshape(1, 3, 1)
    y = bias_relu(x, np.zeros(3), run=host_kernels)
    np.testing.assert_array_equal(y.ravel(), [np.nan, 0.0, 2.0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_dropout_mask_is_the_cpu_stream(host_kernels, dtype, p):
    x = np.random.default_rng(1).standard_normal((4, 5, 33)).astype(dtype)  # 660: 3 blocks
    x_before = x.copy()
    y, mask = dropout(x, p, seed=11, run=host_kernels)
    keep = uniform(11, x.size).reshape(x.shape) >= p
    scale = 0.0 if p == 1 else 1 / (1 - p)
    expected_mask = keep.astype(dtype) * dtype(scale)
    assert y.dtype == mask.dtype == dtype
    np.testing.assert_array_equal(mask, expected_mask)
    np.testing.assert_array_equal(y, x * expected_mask)
    np.testing.assert_array_equal(x, x_before)
    if p == 0.3:
        assert 0.2 < 1 - keep.mean() < 0.4  # about p dropped


def test_dropout_keeps_an_element_whose_draw_equals_p(host_kernels):
    # kept where u >= p, as on the CPU: p set to one of the draws puts an element on the edge
    draws = uniform(11, 660)
    p = float(draws[7])
    _, mask = dropout(np.ones(660), p, seed=11, run=host_kernels)
    assert mask[7] == 1 / (1 - p)
    np.testing.assert_array_equal(mask != 0, draws >= p)


def test_bad_inputs_raise(host_kernels):
    with pytest.raises(TypeError, match="float32 or float64, got int64"):
        bias_relu(np.zeros((1, 2), np.int64), np.zeros(2), run=host_kernels)
    with pytest.raises(ValueError, match=r"expected x \(N, C, \*S\) and bias \(C,\)"):
        bias_relu(np.zeros((1, 2, 3)), np.zeros(3), run=host_kernels)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got 1.5"):
        dropout(np.zeros(3), 1.5, seed=0, run=host_kernels)


def test_strided_inputs_and_a_bias_of_another_dtype(host_kernels):
    # a view (here every other element of the last axis) reaches the kernels as a contiguous
    # copy, and the bias in x's dtype: the kernels read plain arrays of their own type
    x = np.random.default_rng(2).standard_normal((3, 4, 10)).astype(np.float32)[:, :, ::2]
    bias = np.linspace(-1.0, 1.0, 4)  # float64
    y = bias_relu(x, bias, run=host_kernels)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, np.maximum(x + bias.astype(np.float32)[:, None], 0))
    y, mask = dropout(x.transpose(2, 0, 1), 0.3, seed=5, run=host_kernels)
    keep = uniform(5, x.size).reshape(5, 3, 4) >= 0.3
    np.testing.assert_array_equal(mask, keep.astype(np.float32) * np.float32(1 / 0.7))
    np.testing.assert_array_equal(y, x.transpose(2, 0, 1) * mask)


def test_more_bad_inputs_raise(host_kernels):
    with pytest.raises(ValueError, match=r"expected x \(N, C, \*S\) and bias \(C,\)"):
        bias_relu(np.zeros(3), np.zeros(3), run=host_kernels)
    with pytest.raises(TypeError, match="float32 or float64, got int64"):
        dropout(np.zeros(3, np.int64), 0.5, seed=0, run=host_kernels)
