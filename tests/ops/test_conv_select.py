"""Choosing the convolution algorithm: the heuristic, forcing one, and the workspace limit."""

import numpy as np
import pytest

import minicnn as mc
from minicnn.ops import conv_select
from minicnn.ops.conv import conv_forward


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs", "expected"),
    [
        ((2, 16, 8, 8), (32, 16, 1, 1), {}, "pointwise"),
        ((2, 16, 8, 8), (32, 16, 1, 1), {"stride": 2}, "pointwise"),
        ((16, 16, 16, 16), (16, 16, 3, 3), {"padding": 1}, "winograd"),  # 256 4×4 tiles
        ((2, 16, 8, 8), (16, 16, 3, 3), {"padding": 1}, "im2col"),  # only 8 tiles
        # not Winograd: too few channels, or stride 2; the columns decide between the two im2col
        ((64, 4, 32, 32), (16, 4, 3, 3), {"padding": 1}, "im2col-numba"),
        ((2, 4, 8, 8), (16, 4, 3, 3), {"padding": 1}, "im2col"),
        ((64, 16, 32, 32), (16, 16, 3, 3), {"stride": 2}, "im2col-numba"),
        ((2, 16, 8, 8), (16, 16, 3, 3), {"stride": 2}, "im2col"),
        ((16, 16, 20, 20), (16, 16, 3, 3), {"padding": 2, "dilation": 2}, "im2col-numba"),
        ((64, 10, 12, 12), (20, 10, 5, 5), {}, "im2col-numba"),
        ((100, 25, 19), (25, 25, 3), {"stride": 2, "padding": 1}, "im2col"),
        ((1, 2, 3, 3, 3, 3), (2, 2, 2, 2, 2, 2), {}, "im2col"),  # 4 spatial dims
    ],
)
def test_auto_picks_by_shape(x_shape, w_shape, kwargs, expected):
    x, weight = np.ones(x_shape, np.float32), np.ones(w_shape, np.float32)
    _, cache = conv_forward(x, weight, **kwargs)
    assert cache.algorithm == expected


@pytest.mark.parametrize("dtype", [">f4", ">f8", np.longdouble, np.float16])
def test_dtypes_the_compiled_kernels_do_not_take_go_to_numpy_slicing(dtype):
    x = np.ones((16, 16, 16, 16), dtype)  # large, 3×3: winograd or im2col-numba if native
    weight = np.ones((16, 16, 3, 3), dtype)
    y, cache = conv_forward(x, weight, padding=1)
    assert cache.algorithm == "im2col"
    assert y.dtype.itemsize == np.dtype(dtype).itemsize  # the precision (byte order may differ)
    np.testing.assert_allclose(y[0, 0, 1:-1, 1:-1], 16 * 9)
    with pytest.raises(ValueError, match="native float32 and float64"):
        conv_forward(x, weight, padding=1, algorithm="winograd")


def test_forcing_an_algorithm_that_cannot_run_the_shape_says_why():
    x, weight = np.ones((1, 2, 6, 6)), np.ones((2, 2, 5, 5))
    with pytest.raises(ValueError, match=r"'winograd' cannot run.*3×3 kernel"):
        conv_forward(x, weight, algorithm="winograd")
    with pytest.raises(ValueError, match=r"'pointwise' cannot run.*kernel of 1"):
        conv_forward(x, weight, algorithm="pointwise")
    with pytest.raises(ValueError, match=r"'implicit-gemm' cannot run.*CuPy \(GPU\) arrays"):
        conv_forward(x.astype(np.float32), weight.astype(np.float32), algorithm="implicit-gemm")
    x, weight = np.ones((1, 2, 9, 9)), np.ones((2, 2, 3, 3))
    for kwargs in ({"stride": 2}, {"padding": 2, "dilation": 2}):
        with pytest.raises(ValueError, match=r"'winograd' cannot run.*stride 1 and dilation 1"):
            conv_forward(x, weight, algorithm="winograd", **kwargs)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match=r"unknown conv algorithm 'fft'.*im2col"):
        conv_forward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), algorithm="fft")
    with pytest.raises(ValueError, match="unknown conv algorithm"):
        mc.set_conv_algorithm("fastest")


def test_setting_and_context_choose_the_algorithm_and_are_restored():
    x, weight = np.ones((1, 16, 6, 6)), np.ones((16, 16, 3, 3))
    assert conv_select.get_conv_algorithm() == "auto"
    assert conv_forward(x, weight)[1].algorithm == "im2col"
    with mc.conv_algorithm("im2col"):
        assert conv_forward(x, weight)[1].algorithm == "im2col"
        assert conv_forward(x, weight, algorithm="winograd")[1].algorithm == "winograd"
    with pytest.raises(RuntimeError), mc.conv_algorithm("im2col"):
        raise RuntimeError
    assert conv_select.get_conv_algorithm() == "auto"
    mc.set_conv_algorithm("im2col-numba")
    try:
        assert conv_forward(x, weight)[1].algorithm == "im2col-numba"
    finally:
        mc.set_conv_algorithm("auto")


def test_workspace_limit_sets_the_chunk_size():
    x, weight = np.ones((10, 2, 6, 6)), np.ones((3, 2, 3, 3))
    columns = 2 * 9 * 4 * 4 * 8  # C_in·ΠK·ΠO float64 columns of one image
    per_image = 2 * columns  # and their gradient in backward
    mc.set_workspace_limit(3 * per_image)
    try:
        _, cache = conv_forward(x, weight, algorithm="im2col")
    finally:
        mc.set_workspace_limit(conv_select.DEFAULT_WORKSPACE_LIMIT)
    assert cache.chunk == 3 and cache.workspace is None and cache.x is x
    assert conv_forward(x, weight, algorithm="im2col")[1].workspace.nbytes == 10 * columns


def test_winograd_workspace_per_image_holds_v_dv_and_the_products():
    # a 9×7 output is ⌈9/4⌉·⌈7/4⌉ = 6 tiles; V and dV have C_in planes, the products C_out
    x, weight = np.ones((10, 4, 9, 7)), np.ones((6, 4, 3, 3))
    per_image = 36 * 6 * (2 * 4 + 6) * 8
    for limit, chunk in ((3 * per_image, 3), (3 * per_image - 1, 2)):
        mc.set_workspace_limit(limit)
        try:
            _, cache = conv_forward(x, weight, padding=1, algorithm="winograd")
        finally:
            mc.set_workspace_limit(conv_select.DEFAULT_WORKSPACE_LIMIT)
        assert cache.chunk == chunk


def test_workspace_limit_takes_numpy_integers():
    mc.set_workspace_limit(np.int64(2**20))
    try:
        assert conv_select.get_workspace_limit() == 2**20
    finally:
        mc.set_workspace_limit(conv_select.DEFAULT_WORKSPACE_LIMIT)


@pytest.mark.parametrize("bad", [0, -5, 1.5, True, "1GB"])
def test_bad_workspace_limits_are_refused(bad):
    with pytest.raises(ValueError, match="positive number of bytes"):
        mc.set_workspace_limit(bad)
