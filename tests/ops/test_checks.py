"""The argument checks every op runs first: floating dtypes only, the expected rank, non-empty
spatial axes and the channel count, each named in the error."""

import numpy as np
import pytest

from minicnn.ops.checks import check_floating_array, check_input, spatial_layout


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
def test_floating_arrays_pass(dtype):
    check_floating_array(np.zeros((2, 3), dtype), "(N, C)")


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128, np.int32, np.uint8, bool])
def test_other_dtypes_are_refused(dtype):
    with pytest.raises(TypeError, match=rf"floating-point array, got dtype {np.dtype(dtype)}"):
        check_floating_array(np.zeros((2, 3), dtype), "(N, C)")


def test_a_non_array_is_refused_with_the_expected_shape():
    with pytest.raises(TypeError, match=r"array of shape \(N, C\), got list"):
        check_floating_array([[0.0]], "(N, C)")


@pytest.mark.parametrize(
    ("shape", "channels", "message"),
    [
        ((1, 2, 4), 2, r"expected a 4-d input \(N, C, H, W\).*got 3-d"),
        ((1, 2, 0, 4), 2, r"non-empty spatial shape, got input shape \(1, 2, 0, 4\)"),
        ((1, 3, 4, 4), 2, r"expected 2 input channels, got 3"),
    ],
)
def test_check_input_names_what_is_wrong(shape, channels, message):
    with pytest.raises(ValueError, match=message):
        check_input(np.zeros(shape), 2, channels, spatial_layout(2))


def test_check_input_passes_a_good_input_and_takes_any_channel_count_when_none_is_given():
    check_input(np.zeros((1, 3, 4, 4), np.float32), 2, 3, "(N, C, H, W)")
    check_input(np.zeros((1, 5, 4, 4)), 2, None, spatial_layout(2))


def test_check_input_checks_the_dtype_first():
    with pytest.raises(TypeError, match=r"floating-point.*int64"):
        check_input(np.zeros((1, 3, 4), np.int64), 2, 3, "(N, C, H, W)")
    with pytest.raises(TypeError, match="got list"):
        check_input([[1.0]], 2, 3, "(N, C, H, W)")


@pytest.mark.parametrize(
    ("ndim", "layout"),
    [(1, "(N, C, W)"), (2, "(N, C, H, W)"), (3, "(N, C, D, H, W)"), (4, "(N, C, S0, S1, S2, S3)")],
)
def test_spatial_layout(ndim, layout):
    assert spatial_layout(ndim) == layout
