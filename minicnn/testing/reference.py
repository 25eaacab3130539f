"""A direct convolution written from its definition: the oracle that im2col is tested against.

    y[n, o, *p] = b[o] + Σ_{c, *k} w[o, c, *k] · x_pad[n, g·C_in/G + c, *(p·stride + k·dilation)]

where ``g = o // (C_out/G)`` is the group of output channel ``o``. It loops over groups, output
positions and kernel taps (a small matrix product per step), shares no code with
``minicnn.ops``, and is slow: for tiny shapes only.
"""

from __future__ import annotations

import itertools

import numpy as np


def naive_conv_forward(x, weight, bias, stride, padding, dilation, groups):
    """x: (N, C_in, *S), weight: (C_out, C_in/G, *K), bias: (C_out,) or None,
    padding: ((lo, hi), ...) per spatial axis → y: (N, C_out, *O)."""
    x_padded = np.pad(x, [(0, 0), (0, 0), *padding])
    y = np.zeros(
        (x.shape[0], weight.shape[0], *_out_shape(x_padded, weight, stride, dilation)),
        dtype=x.dtype,
    )
    for ins, outs, p, k, at in _steps(weight, y.shape[2:], stride, dilation, groups):
        w = weight[(outs, slice(None), *k)]  # (C_out/G, C_in/G)
        y[(slice(None), outs, *p)] += x_padded[(slice(None), ins, *at)] @ w.T
    if bias is not None:
        y += bias.reshape(1, -1, *([1] * (x.ndim - 2)))
    return y


def naive_conv_backward(grad_out, x, weight, stride, padding, dilation, groups):
    """Gradients of ⟨grad_out, naive_conv_forward(x, weight, ...)⟩ → (dx, dweight, dbias)."""
    x_padded = np.pad(x, [(0, 0), (0, 0), *padding])
    dx_padded = np.zeros_like(x_padded)
    dweight = np.zeros_like(weight)
    for ins, outs, p, k, at in _steps(weight, grad_out.shape[2:], stride, dilation, groups):
        dy = grad_out[(slice(None), outs, *p)]  # (N, C_out/G)
        dx_padded[(slice(None), ins, *at)] += dy @ weight[(outs, slice(None), *k)]
        dweight[(outs, slice(None), *k)] += dy.T @ x_padded[(slice(None), ins, *at)]
    interior = tuple(slice(lo, lo + s) for (lo, _), s in zip(padding, x.shape[2:]))
    dx = dx_padded[(slice(None), slice(None), *interior)]
    dbias = grad_out.sum(axis=(0, *range(2, grad_out.ndim)))
    return dx, dweight, dbias


def _out_shape(x_padded, weight, stride, dilation):
    return tuple(
        (size - d * (k - 1) - 1) // s + 1
        for size, k, s, d in zip(x_padded.shape[2:], weight.shape[2:], stride, dilation)
    )


def _steps(weight, out_shape, stride, dilation, groups):
    """Every (input channels, output channels, output position, kernel tap, input position)."""
    c_in_g, c_out_g = weight.shape[1], weight.shape[0] // groups
    for g in range(groups):
        ins = slice(g * c_in_g, (g + 1) * c_in_g)
        outs = slice(g * c_out_g, (g + 1) * c_out_g)
        for p in itertools.product(*(range(o) for o in out_shape)):
            for k in itertools.product(*(range(n) for n in weight.shape[2:])):
                at = tuple(pi * s + ki * d for pi, ki, s, d in zip(p, k, stride, dilation))
                yield ins, outs, p, k, at
