import numpy as np
import pytest

import minicnn as mc
from minicnn.nn import (
    AvgPool1d,
    AvgPool2d,
    GlobalAvgPool,
    GlobalMaxPool,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MinPool2d,
)


def test_stride_defaults_to_the_kernel_and_repr_is_pytorchs():
    pool = MaxPool2d(3)
    assert pool.stride == (3, 3)
    assert (
        repr(pool) == "MaxPool2d(kernel_size=(3, 3), stride=(3, 3), padding=(0, 0), dilation=1, "
        "ceil_mode=False)"
    )
    assert repr(AvgPool1d(2, count_include_pad=False)).endswith("count_include_pad=False)")
    assert MaxPool2d(2).parameters() == []


@pytest.mark.parametrize("cls", [MaxPool2d, MinPool2d])
def test_positional_arguments_follow_pytorchs_order(cls):
    # MaxPool2d(kernel_size, stride, padding, dilation, return_indices, ceil_mode)
    pool = cls(3, 2, 1, 1, False, True)
    assert (pool.kernel_size, pool.stride, pool.padding) == ((3, 3), (2, 2), (1, 1))
    assert pool.ceil_mode is True and cls(3, 2, 1, 1).ceil_mode is False  # the 4th is dilation
    with pytest.raises(ValueError, match=r"supports dilation=1 only, got dilation=2"):
        cls(3, 2, 1, 2)
    with pytest.raises(ValueError, match=r"dilation=1 only, got dilation=\(1, 2\)"):
        cls(3, dilation=(1, 2))
    with pytest.raises(ValueError, match="does not support return_indices=True"):
        cls(3, 2, 1, 1, True)
    with pytest.raises(TypeError, match="return_indices must be True or False"):
        cls(3, return_indices="yes")


def test_layer_shapes_seed_000_lenet():
    # conv 1→10 k5 on 28×28 gives 24×24; 2×2 max pooling gives 12×12.
    x = np.random.default_rng(0).standard_normal((2, 10, 24, 24)).astype(np.float32)
    pool = MaxPool2d(2)
    y = pool(x)
    assert y.shape == (2, 10, 12, 12) and y.dtype == np.float32
    assert pool.backward(np.ones_like(y)).shape == x.shape


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: MaxPool2d(0), ValueError, "kernel_size must be >= 1"),
        (lambda: MaxPool2d(2, stride=(1, 0)), ValueError, "stride must be >= 1"),
        (lambda: MaxPool2d(2, padding=-1), ValueError, "padding must be >= 0"),
        (lambda: MaxPool2d(2, padding=2), ValueError, "at most half of kernel_size"),
        (lambda: MaxPool3d((2, 2)), ValueError, "kernel_size must have 3 entries"),
        (lambda: AvgPool2d(2, count_include_pad=None), TypeError, "count_include_pad"),
        (lambda: MinPool2d(2.5), TypeError, "kernel_size"),
    ],
)
def test_bad_hyperparameters_raise_at_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    ("layer", "x", "message"),
    [
        (MaxPool2d(2), np.zeros((3, 4, 4)), r"expected a 4-d input \(N, C, H, W\)"),
        (MaxPool1d(2), np.zeros((1, 1, 4, 4)), r"expected a 3-d input \(N, C, W\)"),
        (MaxPool2d(3), np.zeros((1, 1, 2, 2)), "kernel larger than the padded input"),
    ],
)
def test_bad_inputs_raise_at_call(layer, x, message):
    with pytest.raises(ValueError, match=message):
        layer(x)


@pytest.mark.parametrize("layer", [MaxPool2d(2), AvgPool2d(2), GlobalAvgPool(), GlobalMaxPool()])
def test_backward_before_forward(layer):
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 1, 1, 1)))


def test_global_pools_map_to_n_by_c():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5, 6))
    for layer in (GlobalAvgPool(), GlobalMaxPool()):
        assert layer(x).shape == (2, 3)
        assert mc.gradcheck(layer, x + np.arange(x.size).reshape(x.shape))


def test_avg_pool_counts_the_padding_by_default_as_pytorch():
    pool = AvgPool2d(2, padding=1)
    assert pool.count_include_pad is True
    # each 2×2 window holds one input element and three zeros of padding
    np.testing.assert_array_equal(pool(np.ones((1, 1, 2, 2)))[0, 0], np.full((2, 2), 0.25))


def test_max_pool_ceil_mode_keeps_the_partial_windows():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    y = MaxPool2d(2, ceil_mode=True)(x)
    assert y.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(y[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
