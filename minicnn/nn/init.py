"""Weight initialisation, with PyTorch's names and formulas.

Each function fills a ``Parameter`` (or an array) in place, keeping its shape and dtype, and
returns it; the random fills draw from the package-wide generator (``minicnn.manual_seed``).
Arguments have PyTorch's names and defaults (``uniform_(tensor, a=0.0, b=1.0)``, ...).

The fans of a weight ``(C_out, C_in/groups, *kernel)`` (or a Linear weight ``(out, in)``):

    fan_in  = C_in/groups · Πkernel        fan_out = C_out · Πkernel

Kaiming (He) initialisation keeps the variance of activations through ReLU layers:
``std = gain / √fan``; Xavier (Glorot) balances forward and backward:
``std = gain · √(2 / (fan_in + fan_out))``. A uniform distribution with that std has bound
``√3 · std``. PyTorch's default for Conv and Linear layers is ``kaiming_uniform_(w, a=√5)``,
which works out to ``U(−1/√fan_in, 1/√fan_in)``, and the same bound for the bias.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..backend import get_array_module
from ..random import get_generator

_LINEAR = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which a nonlinearity scales the standard deviation to preserve."""
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise ValueError(f"negative_slope must be a number, got {slope!r}")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4.0
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape`` (at least 2-d)."""
    if len(shape) < 2:
        raise ValueError(f"fans need a weight with at least 2 dimensions, got shape {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def uniform_(tensor, a: float = 0.0, b: float = 1.0):
    """Fill with U(a, b)."""
    return _fill(tensor, lambda shape: get_generator().uniform(a, b, shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0):
    """Fill with N(mean, std²)."""
    return _fill(tensor, lambda shape: get_generator().normal(mean, std, shape))


def constant_(tensor, val: float):
    """Fill with the value ``val``."""
    return _fill(tensor, lambda shape: np.full(shape, val))


def zeros_(tensor):
    """Fill with 0."""
    return _fill(tensor, np.zeros)


def ones_(tensor):
    """Fill with 1."""
    return _fill(tensor, np.ones)


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity="leaky_relu"):
    """Fill with U(±bound), bound = √3 · gain / √fan (He et al., 2015)."""
    bound = math.sqrt(3.0) * _std(calculate_gain(nonlinearity, a), _fan(tensor, mode))
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity="leaky_relu"):
    """Fill with N(0, std²), std = gain / √fan (He et al., 2015)."""
    return normal_(tensor, 0.0, _std(calculate_gain(nonlinearity, a), _fan(tensor, mode)))


def xavier_uniform_(tensor, gain: float = 1.0):
    """Fill with U(±bound), bound = gain · √(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(_shape(tensor))
    bound = math.sqrt(3.0) * _std(gain, (fan_in + fan_out) / 2)
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain: float = 1.0):
    """Fill with N(0, std²), std = gain · √(2 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(_shape(tensor))
    return normal_(tensor, 0.0, _std(gain, (fan_in + fan_out) / 2))


def _std(gain: float, fan: float) -> float:
    """gain / √fan. A fan of 0 comes only with an empty tensor, which has nothing to fill."""
    return gain / math.sqrt(fan) if fan else 0.0


def _fan(tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(_shape(tensor))
    return fan_in if mode == "fan_in" else fan_out


def _shape(tensor) -> tuple[int, ...]:
    return tuple((tensor.data if hasattr(tensor, "grad") else tensor).shape)


def _fill(tensor, draw):
    """Fill a Parameter's data or a floating-point array (NumPy or CuPy) in place with
    ``draw(shape)``, keeping its dtype."""
    array = tensor.data if hasattr(tensor, "grad") else tensor
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"init fills floating-point arrays, got dtype {array.dtype}")
    array[...] = get_array_module(array).asarray(draw(array.shape))
    return tensor
