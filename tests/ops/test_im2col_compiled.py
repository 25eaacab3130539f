"""The Numba im2col/col2im against the NumPy slicing versions they replace."""

import importlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops import im2col_compiled
from minicnn.ops.geometry import output_shape
from minicnn.testing import arrays, conv_configs

sliced = importlib.import_module("minicnn.ops.im2col")


def _geometry(config):
    return config.kernel_size, config.stride, config.padding_pairs, config.dilation


@given(conv_configs(max_extra_size=4), st.sampled_from([np.float32, np.float64]), st.data())
def test_same_columns_and_same_folded_gradient(config, dtype, data):
    x = data.draw(arrays(config.input_shape, dtype))
    out_shape = config.output_shape[2:]
    cols = im2col_compiled.im2col(x, *_geometry(config), out_shape)
    np.testing.assert_array_equal(cols, sliced.im2col(x, *_geometry(config), out_shape))
    assert cols.dtype == dtype

    grad_cols = data.draw(arrays(cols.shape, dtype))
    folded = im2col_compiled.col2im(grad_cols, x.shape, *_geometry(config))
    expected = sliced.col2im(grad_cols, x.shape, *_geometry(config))
    assert folded.dtype == dtype and folded.flags.c_contiguous
    np.testing.assert_allclose(folded, expected, rtol=1e-5, atol=1e-6)


def test_non_contiguous_input_is_read_correctly():
    x = np.arange(2 * 3 * 6 * 5, dtype=np.float64).reshape(2, 3, 6, 5).swapaxes(2, 3)
    geometry = ((2, 3), (1, 2), ((1, 0), (0, 2)), (2, 1))
    out_shape = output_shape(x.shape[2:], *geometry)
    np.testing.assert_array_equal(
        im2col_compiled.im2col(x, *geometry, out_shape), sliced.im2col(x, *geometry, out_shape)
    )


def test_more_than_three_spatial_dims_are_refused():
    x = np.zeros((1, 1, 2, 2, 2, 2))
    with pytest.raises(ValueError, match="1 to 3 spatial dims"):
        im2col_compiled.im2col(x, (1,) * 4, (1,) * 4, ((0, 0),) * 4, (1,) * 4, (2,) * 4)
