"""Shape arithmetic shared by every sliding-window op (convolution, pooling).

A sliding window along one spatial axis of size ``S`` has a kernel of ``K`` taps spaced
``dilation`` apart, so it spans ``dilation·(K − 1) + 1`` input positions. After ``lo`` and
``hi`` zeros are added on the two sides, it fits

    O = ⌊(S + lo + hi − dilation·(K − 1) − 1) / stride⌋ + 1

times — the familiar ``O = (H + 2P − K)/S + 1`` of the tutorials when ``lo = hi = P`` and
``dilation = 1``. Padding is kept as ``(lo, hi)`` pairs because ``'same'`` with an even
kernel needs one more zero on the right than on the left (PyTorch's rule).
"""

from __future__ import annotations

import numbers

Padding = tuple[tuple[int, int], ...]


def as_tuple(value, ndim: int, name: str, minimum: int) -> tuple[int, ...]:
    """Turn an int or a length-``ndim`` sequence of ints into a tuple, checking each >= minimum.

    >>> as_tuple(3, 2, "kernel_size", 1)
    (3, 3)

    Raises ``TypeError`` for non-integers (``bool`` included) and ``ValueError`` for a wrong
    length or a value below ``minimum``, naming the parameter.
    """
    items = (value,) * ndim if _is_int(value) else value
    try:
        if isinstance(items, str):
            raise TypeError
        items = tuple(items)
    except TypeError:
        raise TypeError(
            f"{name} must be an int or a tuple of {ndim} ints, got {type(value).__name__}"
        ) from None
    if len(items) != ndim:
        raise ValueError(f"{name} must have {ndim} entries for a {ndim}-d layer, got {value!r}")
    return tuple(as_int(item, name, minimum) for item in items)


def as_int(value, name: str, minimum: int) -> int:
    """Check that ``value`` is an int (not a bool) >= ``minimum``, naming ``name`` if not."""
    if not _is_int(value):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def resolve_padding(padding, kernel_size, stride, dilation) -> Padding:
    """Turn ``padding`` (int, per-axis tuple, ``'same'`` or ``'valid'``) into (lo, hi) pairs.

    ``'same'`` keeps the spatial size at stride 1: the ``dilation·(K − 1)`` zeros are split
    with the extra one on the right, as PyTorch does. It is refused for stride > 1, where
    no single padding keeps the size.

    >>> resolve_padding("same", (4,), (1,), (1,))
    ((1, 2),)
    """
    ndim = len(kernel_size)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * ndim
        if padding != "same":
            raise ValueError(f"padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"padding='same' needs stride 1, got stride={stride}")
        total = tuple(d * (k - 1) for k, d in zip(kernel_size, dilation))
        return tuple((t // 2, t - t // 2) for t in total)
    return tuple((p, p) for p in as_tuple(padding, ndim, "padding", 0))


def output_shape(spatial, kernel_size, stride, padding: Padding, dilation) -> tuple[int, ...]:
    """Output spatial shape of a sliding window; raises ``ValueError`` if the kernel does not fit.

    >>> output_shape((28, 28), (5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1))
    (24, 24)
    """
    shape = []
    for size, k, s, (lo, hi), d in zip(spatial, kernel_size, stride, padding, dilation):
        span = d * (k - 1) + 1
        if size + lo + hi < span:
            raise ValueError(
                f"kernel larger than the padded input: kernel spans {span} "
                f"(kernel_size={tuple(kernel_size)}, dilation={tuple(dilation)}) but the "
                f"padded input is {size + lo + hi} wide (input {tuple(spatial)}, "
                f"padding {tuple(padding)})"
            )
        shape.append((size + lo + hi - span) // s + 1)
    return tuple(shape)


def pool_geometry(spatial, kernel_size, stride, padding, ceil_mode: bool):
    """Output shape of a pooling window, and the (lo, hi) padding that im2col needs for it.

    O = ⌊(S + 2P − K)/stride⌋ + 1, or with ``ceil_mode`` ⌈…⌉ + 1 minus one if the last window
    would start past the input and its left padding (PyTorch's rule). A ceil-mode window may
    hang past the padded input: ``hi`` grows by that overhang so the windows can be read.

    >>> pool_geometry((5,), (2,), (2,), (0,), True)
    ((3,), ((0, 1),))
    """
    shape, pairs = [], []
    for size, k, s, p in zip(spatial, kernel_size, stride, padding):
        if size + 2 * p < k:
            raise ValueError(
                f"kernel larger than the padded input: kernel_size={tuple(kernel_size)} but the "
                f"input {tuple(spatial)} padded by {tuple(padding)} is {size + 2 * p} wide"
            )
        steps = size + 2 * p - k
        out = (-(-steps // s) if ceil_mode else steps // s) + 1
        if ceil_mode and (out - 1) * s >= size + p:
            out -= 1
        shape.append(out)
        pairs.append((p, p + max(0, (out - 1) * s + k - (size + 2 * p))))
    return tuple(shape), tuple(pairs)


def _is_int(value) -> bool:
    if type(value) is int:  # the common case, without the slower abstract-class check
        return True
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
