import argparse

import pytest

from minicnn.arguments import non_negative_float, non_negative_int, positive_int


@pytest.mark.parametrize(
    ("convert", "text", "value"),
    [
        (positive_int, "1", 1),
        (positive_int, "64", 64),
        (non_negative_int, "0", 0),
        (non_negative_float, "0", 0.0),
        (non_negative_float, "0.05", 0.05),
    ],
)
def test_accepted_values(convert, text, value):
    result = convert(text)
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize(
    ("convert", "text", "what"),
    [
        (positive_int, "0", "a positive integer"),
        (positive_int, "abc", "a positive integer"),
        (positive_int, "1.5", "a positive integer"),
        (non_negative_int, "-1", "a non-negative integer"),
        (non_negative_float, "-0.1", "a number >= 0"),
        (non_negative_float, "nan", "a number >= 0"),
        (non_negative_float, "x", "a number >= 0"),
    ],
)
def test_refused_values_say_what_was_expected(convert, text, what):
    with pytest.raises(argparse.ArgumentTypeError, match=rf"^must be {what}, got '{text}'$"):
        convert(text)
