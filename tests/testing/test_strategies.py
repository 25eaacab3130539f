import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from minicnn.testing import (
    ConvConfig,
    arrays,
    conv_configs,
    naive_conv_backward,
    naive_conv_forward,
)


@given(conv_configs())
def test_every_config_is_valid_and_builds_a_working_layer(config):
    assert config.in_channels % config.groups == 0 and config.out_channels % config.groups == 0
    if config.padding == "same":
        assert config.stride == (1,) * config.ndim
    layer = config.layer()
    assert type(layer).__name__ == f"Conv{config.ndim}d"
    assert layer.weight.shape == config.weight_shape
    assert layer(np.zeros(config.input_shape)).shape == config.output_shape


@given(conv_configs(ndims=(3,), max_groups=1, max_stride=1))
def test_config_bounds_are_respected(config):
    assert config.ndim == 3 and config.groups == 1 and config.stride == (1, 1, 1)


@given(st.data())
def test_arrays_have_the_requested_shape_dtype_and_range(data):
    shape = data.draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    a = data.draw(arrays(shape, np.float32, low=2.0, high=3.0))
    assert a.shape == shape and a.dtype == np.float32
    assert np.all((a >= 2.0) & (a <= 3.0))


def test_naive_reference_on_a_hand_computed_example():
    # 1-d, 2 groups: channel 0 → output 0 with kernel [1, -1]; channel 1 → output 1 with [2, 0].
    x = np.array([[[1.0, 2.0, 4.0], [1.0, 3.0, 5.0]]])
    weight = np.array([[[1.0, -1.0]], [[2.0, 0.0]]])
    y = naive_conv_forward(x, weight, np.array([0.0, 1.0]), (1,), ((0, 0),), (1,), 2)
    np.testing.assert_array_equal(y, [[[-1.0, -2.0], [3.0, 7.0]]])
    dx, dweight, dbias = naive_conv_backward(np.ones_like(y), x, weight, (1,), ((0, 0),), (1,), 2)
    np.testing.assert_array_equal(dx, [[[1.0, 0.0, -1.0], [2.0, 2.0, 0.0]]])
    np.testing.assert_array_equal(dweight, [[[3.0, 6.0]], [[4.0, 8.0]]])
    np.testing.assert_array_equal(dbias, [2.0, 2.0])


def test_config_properties():
    config = ConvConfig(
        batch=2,
        in_channels=4,
        out_channels=6,
        spatial=(8, 9),
        kernel_size=(3, 2),
        stride=(2, 1),
        padding="valid",
        dilation=(1, 2),
        groups=2,
        bias=False,
    )
    assert config.input_shape == (2, 4, 8, 9)
    assert config.weight_shape == (6, 2, 3, 2)
    assert config.output_shape == (2, 6, 3, 7)
    assert config.padding_pairs == ((0, 0), (0, 0))
