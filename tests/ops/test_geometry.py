import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.geometry import as_int, as_tuple, output_shape, pool_geometry, resolve_padding


def test_as_tuple_repeats_an_int_and_keeps_a_tuple():
    assert as_tuple(3, 2, "kernel_size", 1) == (3, 3)
    assert as_tuple((1, 2, 3), 3, "stride", 1) == (1, 2, 3)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ((3, 3), ValueError, "kernel_size must have 3 entries"),
        (0, ValueError, "kernel_size must be >= 1, got 0"),
        ((2, 0, 2), ValueError, "kernel_size must be >= 1"),
        (2.0, TypeError, "kernel_size must be an int"),
        (True, TypeError, "kernel_size must be an int"),
        ("3", TypeError, "kernel_size must be an int"),
        (None, TypeError, "kernel_size must be an int or a tuple of 3 ints"),
    ],
)
def test_as_tuple_rejects_bad_values_naming_the_parameter(value, error, message):
    with pytest.raises(error, match=message):
        as_tuple(value, 3, "kernel_size", 1)


def test_as_int():
    assert as_int(4, "groups", 1) == 4
    with pytest.raises(ValueError, match="groups must be >= 1"):
        as_int(0, "groups", 1)
    with pytest.raises(TypeError, match="groups"):
        as_int(1.5, "groups", 1)


def test_same_padding_puts_the_extra_zero_on_the_right():
    assert resolve_padding("same", (3, 4), (1, 1), (1, 1)) == ((1, 1), (1, 2))
    assert resolve_padding("same", (4,), (1,), (3,)) == ((4, 5),)  # dilation·(K−1) = 9
    assert resolve_padding("same", (1,), (1,), (1,)) == ((0, 0),)


def test_valid_and_int_padding():
    assert resolve_padding("valid", (3, 3), (2, 2), (1, 1)) == ((0, 0), (0, 0))
    assert resolve_padding(2, (3, 3), (2, 2), (1, 1)) == ((2, 2), (2, 2))
    assert resolve_padding((0, 1), (3, 3), (1, 1), (1, 1)) == ((0, 0), (1, 1))


@pytest.mark.parametrize(
    ("padding", "stride", "error", "message"),
    [
        ("same", (2,), ValueError, "padding='same' needs stride 1"),
        ("full", (1,), ValueError, "padding must be an int, a tuple, 'same' or 'valid'"),
        (-1, (1,), ValueError, "padding must be >= 0"),
        (1.5, (1,), TypeError, "padding"),
    ],
)
def test_bad_padding(padding, stride, error, message):
    with pytest.raises(error, match=message):
        resolve_padding(padding, (3,), stride, (1,))


def test_output_shape_reproduces_the_tutorial_formula():
    # O = (H + 2P − K)/S + 1 (seed 004): LeNet conv1, a padded 3×3, a 7×7/2 stem.
    assert output_shape((28, 28), (5, 5), (1, 1), ((0, 0),) * 2, (1, 1)) == (24, 24)
    assert output_shape((32,), (3,), (1,), ((1, 1),), (1,)) == (32,)
    assert output_shape((224,), (7,), (2,), ((3, 3),), (1,)) == (112,)


def test_output_shape_rejects_a_kernel_larger_than_the_padded_input():
    with pytest.raises(ValueError, match="kernel larger than the padded input"):
        output_shape((4,), (3,), (1,), ((0, 0),), (2,))  # dilated kernel spans 5 > 4


@given(
    size=st.integers(1, 12),
    kernel=st.integers(1, 4),
    stride=st.integers(1, 4),
    dilation=st.integers(1, 3),
    lo=st.integers(0, 3),
    hi=st.integers(0, 3),
)
def test_output_shape_counts_the_window_positions(size, kernel, stride, dilation, lo, hi):
    span = dilation * (kernel - 1) + 1
    starts = [s for s in range(0, size + lo + hi, stride) if s + span <= size + lo + hi]
    if not starts:
        with pytest.raises(ValueError, match="kernel larger than the padded input"):
            output_shape((size,), (kernel,), (stride,), ((lo, hi),), (dilation,))
    else:
        assert output_shape((size,), (kernel,), (stride,), ((lo, hi),), (dilation,)) == (
            len(starts),
        )


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "ceil_mode", "expected"),
    [
        (4, 2, 2, 0, False, ((2,), ((0, 0),))),
        (5, 2, 2, 0, False, ((2,), ((0, 0),))),  # the last input element is in no window
        (5, 2, 2, 0, True, ((3,), ((0, 1),))),  # a third window hangs 1 past the input
        (5, 2, 2, 1, True, ((3,), ((1, 1),))),  # a fourth would start in the right padding
        (6, 3, 2, 1, True, ((4,), ((1, 2),))),  # the fourth starts in the input, ends 1 past
    ],
)
def test_pool_geometry_hand_computed(size, kernel, stride, padding, ceil_mode, expected):
    assert pool_geometry((size,), (kernel,), (stride,), (padding,), ceil_mode) == expected
