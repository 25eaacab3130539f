"""Local response normalisation across channels (AlexNet, 2012): forward and backward.

Each value is divided by a power of the energy of its neighbours along the channel axis, so a
strongly responding channel damps the channels beside it ("lateral inhibition"). For x of
shape (N, C, *S), at every batch index and spatial position:

    s_c = k + alpha/size · Σ_{c' ∈ window(c)} x_{c'}²
    y_c = x_c · s_c^(−beta)

with PyTorch's window ``c − size//2 … c + (size − 1)//2``, channels outside ``0 … C − 1``
counting as zeros. (AlexNet's paper writes alpha without the division by ``size``; PyTorch
divides, and so does this op.)

Backward, with g = ∂L/∂y and d = s^(−beta) (kept from the forward pass, with s). ``x_j``
enters its own output and, through ``s_c``, every output ``c`` whose window holds ``j`` —
those ``c`` from ``j − (size − 1)//2`` to ``j + size//2``, the window mirrored:

    ∂y_c/∂x_j = [c = j]·d_c − 2·alpha·beta/size · x_c·x_j·d_c/s_c · [j ∈ window(c)]

    ∂L/∂x_j = g_j·d_j − 2·alpha·beta/size · x_j · Σ_{c ∈ mirrored window(j)} g_c·x_c·d_c/s_c

Both sums over a window are computed with one shifted slice addition per window position
(``size`` of them), as im2col does per kernel tap.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

from ..backend import get_array_module
from .checks import check_floating_array
from .geometry import as_int


class LocalResponseNormCache(NamedTuple):
    """What ``local_response_norm_backward`` needs from the forward pass."""

    x: object  # (N, C, *S) the input
    scale: object  # (N, C, *S) s = k + alpha/size · Σ_window x²
    damping: object  # (N, C, *S) s^(−beta), so that y = x · damping
    size: int
    alpha: float
    beta: float


def local_response_norm_forward(x, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalise x: (N, C, *S) (at least 3-d) across channels → (y of the same shape, cache).

    size:         number of channels in each window (>= 1)
    alpha, beta, k: the formula's constants (real numbers)
    Computed in x's dtype.
    """
    size, alpha, beta, k = check_local_response_norm_arguments(size, alpha, beta, k)
    check_floating_array(x, "(N, C, *spatial)")
    if x.ndim < 3:
        raise ValueError(
            f"expected an input (N, C, *spatial) with at least 3 dimensions, "
            f"got {x.ndim}-d with shape {tuple(x.shape)}"
        )
    scale = k + alpha / size * _channel_window_sum(x * x, size // 2, (size - 1) // 2)
    damping = scale**-beta
    return x * damping, LocalResponseNormCache(x, scale, damping, size, alpha, beta)


def local_response_norm_backward(grad_out, cache: LocalResponseNormCache):
    """grad_out: (N, C, *S) (not modified) → dx: (N, C, *S)."""
    x, scale, damping, size = cache.x, cache.scale, cache.damping, cache.size
    if tuple(grad_out.shape) != tuple(x.shape):
        raise ValueError(f"grad_out must have shape {tuple(x.shape)}, got {tuple(grad_out.shape)}")
    grad_out = grad_out.astype(x.dtype, copy=False)
    through_scales = _channel_window_sum(grad_out * x * damping / scale, (size - 1) // 2, size // 2)
    return grad_out * damping - (2 * cache.alpha * cache.beta / size) * x * through_scales


def check_local_response_norm_arguments(size, alpha, beta, k):
    """Check the hyperparameters, naming the bad one: ``size`` an int >= 1, ``alpha``,
    ``beta`` and ``k`` real numbers. Returns them as (int, float, float, float)."""
    size = as_int(size, "size", 1)
    constants = {"alpha": alpha, "beta": beta, "k": k}
    for name, value in constants.items():
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise TypeError(f"{name} must be a real number, got {value!r}")
    return size, float(alpha), float(beta), float(k)


def _channel_window_sum(a, before, after):
    """out[:, c] = Σ a[:, c'] for c' from c − before to c + after, zeros outside the channels.

    a: (N, C, *S) → (N, C, *S): the channels are padded with zeros, then ``before + after + 1``
    shifted slices are added.
    """
    xp = get_array_module(a)
    n, channels, *spatial = a.shape
    padded = xp.zeros((n, before + channels + after, *spatial), dtype=a.dtype)
    padded[:, before : before + channels] = a
    total = xp.zeros(a.shape, dtype=a.dtype)
    for offset in range(before + after + 1):
        total += padded[:, offset : offset + channels]
    return total
