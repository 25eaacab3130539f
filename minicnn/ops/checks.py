"""Checks on the arrays an op is given, with errors that say what was expected and what came."""

from __future__ import annotations


def check_floating_array(x, expected: str):
    """Check that ``x`` is a NumPy/CuPy array of a floating dtype; ``expected`` describes the
    shape for the error message (e.g. ``"(N, C, H, W)"``)."""
    if not (hasattr(x, "ndim") and hasattr(x, "dtype") and hasattr(x, "shape")):
        raise TypeError(f"expected an array of shape {expected}, got {type(x).__name__}")
    if x.dtype.kind != "f":  # float16, float32, float64 (not complex, not integer)
        raise TypeError(f"expected a floating-point array, got dtype {x.dtype}")


def check_input(x, ndim: int, channels: int | None, layout: str):
    """Check that ``x`` is a floating array of shape ``(N, channels, *spatial)`` with ``ndim``
    non-empty spatial axes (any number of channels if ``channels`` is None); ``layout`` (e.g.
    ``"(N, C, H, W)"``) goes into the error message."""
    check_floating_array(x, layout)
    if x.ndim != ndim + 2:
        raise ValueError(
            f"expected a {ndim + 2}-d input {layout} (the batch axis is required), "
            f"got {x.ndim}-d with shape {tuple(x.shape)}"
        )
    if 0 in x.shape[2:]:
        raise ValueError(f"expected a non-empty spatial shape, got input shape {tuple(x.shape)}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"expected {channels} input channels, got {x.shape[1]} (input shape {tuple(x.shape)})"
        )


def spatial_layout(ndim: int) -> str:
    """``"(N, C, H, W)"``-style name of the layout for ``ndim`` spatial axes."""
    axes = ("D", "H", "W")[-ndim:] if ndim <= 3 else tuple(f"S{i}" for i in range(ndim))
    return "(N, C, " + ", ".join(axes) + ")"
