import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.im2col import col2im, im2col
from minicnn.testing import arrays, conv_configs


def _columns(config, x):
    out = config.output_shape[2:]
    return im2col(x, config.kernel_size, config.stride, config.padding_pairs, config.dilation, out)


@given(conv_configs(max_extra_size=2), st.data())
def test_every_column_entry_is_the_input_value_it_names(config, data):
    x = data.draw(arrays(config.input_shape))
    x_before = x.copy()
    cols = _columns(config, x)
    x_padded = np.pad(x, [(0, 0), (0, 0), *config.padding_pairs])
    ndim = config.ndim
    assert cols.shape == (
        config.in_channels,
        *config.kernel_size,
        config.batch,
        *config.output_shape[2:],
    )
    for index in itertools.product(*(range(n) for n in cols.shape)):
        c, tap, n, o = index[0], index[1 : 1 + ndim], index[1 + ndim], index[2 + ndim :]
        at = tuple(oi * s + k * d for oi, k, s, d in zip(o, tap, config.stride, config.dilation))
        assert cols[index] == x_padded[(n, c, *at)]
    np.testing.assert_array_equal(x, x_before)


@given(conv_configs(), st.data())
def test_col2im_is_the_adjoint_of_im2col(config, data):
    x = data.draw(arrays(config.input_shape))
    cols = _columns(config, x)
    c = data.draw(arrays(cols.shape))
    back = col2im(
        c, x.shape, config.kernel_size, config.stride, config.padding_pairs, config.dilation
    )
    assert back.shape == x.shape and back.flags.c_contiguous
    np.testing.assert_allclose(np.vdot(cols, c), np.vdot(x, back), rtol=1e-12, atol=1e-12)


def test_im2col_and_col2im_keep_float32():
    x = np.ones((1, 2, 4, 4), np.float32)
    cols = im2col(x, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), (4, 4))
    assert cols.dtype == np.float32
    assert col2im(cols, x.shape, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)).dtype == np.float32


def test_col2im_counts_how_many_windows_cover_each_pixel():
    # With all-ones columns, col2im gives each pixel the number of windows that read it.
    x_shape = (1, 1, 4)
    cols = np.ones((1, 3, 1, 2))  # kernel 3, stride 1, no padding: windows at 0 and 1
    counts = col2im(cols, x_shape, (3,), (1,), ((0, 0),), (1,))
    np.testing.assert_array_equal(counts, [[[1, 2, 2, 1]]])
