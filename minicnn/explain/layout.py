"""Text layout for the explanations: numbers, labelled matrices and spatial grids.

A labelled matrix prints the name of each index beside its values, so that a learner can read
what a row and a column stand for:

            n  0  0
           oh  0  0
           ow  0  1
    c kh kw
    0  0  0    0  0
    0  0  1    0  0
"""

from __future__ import annotations

import itertools
import math

import numpy as np


def number(value, parenthesise=False) -> str:
    """A float written as an integer when it is one (``6``, ``-inf``), else with up to 3
    decimals (``2.25``, ``0.333``); ``parenthesise`` puts a negative number in parentheses, for
    products such as ``(-1)·6``."""
    value = float(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = str(int(value)) if value == int(value) else f"{value:.3f}".rstrip("0")
    return f"({text})" if parenthesise and value < 0 else text


def shape(values) -> str:
    """``(1, 3, 4)`` → ``"1×3×4"``."""
    return "×".join(str(v) for v in values)


def index_labels(sizes) -> list[tuple[int, ...]]:
    """Every index of an array of shape ``sizes``, in memory (row-major) order."""
    return list(itertools.product(*(range(s) for s in sizes)))


def labelled_matrix(matrix, row_names, row_labels, column_names, column_labels, indent=4) -> str:
    """Print a 2-d ``matrix`` with the meaning of each row and column.

    row_names:     names of the indices that number the rows, e.g. ``("c", "kh", "kw")``
    row_labels:    one tuple of those indices per row
    column_names, column_labels: the same for the columns, printed as a stacked header
    """
    cells = [[number(v) for v in row] for row in np.asarray(matrix)]
    width = max(
        [len(cell) for row in cells for cell in row]
        + [len(str(i)) for label in column_labels for i in label]
    )
    name_widths = [
        max(len(name), *(len(str(label[i])) for label in row_labels))
        for i, name in enumerate(row_names)
    ]
    name_widths[-1] += max(0, max(map(len, column_names)) - sum(name_widths) - len(row_names) + 1)
    left = sum(name_widths) + len(name_widths) - 1
    pad = " " * indent
    lines = []
    for i, name in enumerate(column_names):
        values = " ".join(f"{label[i]:>{width}}" for label in column_labels)
        lines.append(f"{pad}{name:>{left}}   {values}")
    lines.append(pad + " ".join(f"{n:>{w}}" for n, w in zip(row_names, name_widths)))
    for label, row in zip(row_labels, cells):
        head = " ".join(f"{v:>{w}}" for v, w in zip(label, name_widths))
        lines.append(f"{pad}{head}   " + " ".join(f"{c:>{width}}" for c in row))
    return "\n".join(lines)


def grid(array, indent=4, width=None) -> str:
    """A 1-d array as one line, a 2-d array as rows, a 3-d array as its 2-d slices one under
    the other, each headed by its depth index ``d=…``."""
    array = np.asarray(array)
    cells = [number(v) for v in array.ravel()]
    width = width or max(len(c) for c in cells)
    pad = " " * indent
    if array.ndim == 3:
        return "\n".join(
            f"{pad}d={d}\n" + grid(array[d], indent, width) for d in range(array.shape[0])
        )
    rows = array.reshape(-1, array.shape[-1])
    return "\n".join(pad + " ".join(f"{number(v):>{width}}" for v in row) for row in rows)


def marks(mask, indent=4) -> str:
    """A boolean array drawn with ``#`` where True and ``.`` where False, in ``grid``'s layout."""
    mask = np.asarray(mask)
    pad = " " * indent
    if mask.ndim == 3:
        return "\n".join(f"{pad}d={d}\n" + marks(mask[d], indent) for d in range(mask.shape[0]))
    rows = mask.reshape(-1, mask.shape[-1])
    return "\n".join(pad + " ".join("#" if v else "." for v in row) for row in rows)


def wrap_terms(head: str, terms: list[str], tail: str, indent=4, width=96) -> str:
    """``head term + term + … tail``, broken into lines of at most ``width`` characters."""
    lines, line = [], " " * indent + head
    for i, term in enumerate(terms):
        piece = term if i == 0 else " + " + term
        if len(line) + len(piece) > width:
            lines.append(line)
            line = " " * (indent + 4) + piece.lstrip()
        else:
            line += piece
    lines.append(line + tail)
    return "\n".join(lines)
