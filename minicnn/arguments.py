"""Argument types shared by the ``minicnn`` subcommands: each turns the text argparse read
into a number, or raises ``ArgumentTypeError`` with a message argparse prints as
``argument --epochs: must be a positive integer, got 'abc'``."""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """An integer >= 1."""
    return _checked(int, text, lambda value: value >= 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """An integer >= 0."""
    return _checked(int, text, lambda value: value >= 0, "a non-negative integer")


def non_negative_float(text: str) -> float:
    """A number >= 0 (not NaN)."""
    return _checked(float, text, lambda value: value >= 0, "a number >= 0")


def _checked(convert, text: str, accept, what: str):
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not accept(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value
