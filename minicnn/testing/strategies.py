"""Hypothesis strategies for convolution configurations and input arrays.

``conv_configs()`` draws only valid configurations (the kernel always fits the padded input),
and shrinks towards the simplest: 1-d, one group, one channel, kernel 1, stride 1, no padding.
``conv_transpose_configs()`` does the same for transposed convolutions.

The configurations' padding pairs and output shapes are computed here from their definitions,
not with ``minicnn.ops.geometry``: tests hand them to the naive references, which must share
no code with the engine they check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from hypothesis import strategies as st

from ..nn.conv import Conv1d, Conv2d, Conv3d
from ..nn.conv_transpose import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

Padding = tuple[tuple[int, int], ...]  # (zeros before, zeros after) per spatial axis


def _padding_pairs(padding, kernel_size, dilation) -> Padding:
    """The (lo, hi) zeros per spatial axis that a convolution's ``padding`` stands for.

    An int p pads every axis with (p, p); a tuple gives each axis its own (p, p); ``'valid'``
    pads nothing; ``'same'`` (stride 1) adds the dilation·(K − 1) zeros that keep the size,
    half on each side and the odd one on the right, as PyTorch.

    >>> _padding_pairs("same", (3, 4), (1, 1))
    ((1, 1), (1, 2))
    """
    ndim = len(kernel_size)
    if padding == "valid":
        return ((0, 0),) * ndim
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
        return tuple((total // 2, total - total // 2) for total in totals)
    per_axis = padding if isinstance(padding, tuple) else (padding,) * ndim
    return tuple((p, p) for p in per_axis)


@dataclass(frozen=True)
class _LayerConfig:
    """The fields and properties that ``ConvConfig`` and ``ConvTransposeConfig`` share: a batch,
    channels, the input's spatial size, a kernel and a stride. Each subclass adds its other
    fields (padding, …, groups, bias), names its layer classes in ``_layers`` and lists its
    keyword hyperparameters in ``hyperparameters()``."""

    _layers: ClassVar[dict]  # ndim → layer class

    batch: int
    in_channels: int
    out_channels: int
    spatial: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]

    @property
    def ndim(self) -> int:
        return len(self.spatial)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.in_channels, *self.spatial)

    def hyperparameters(self) -> dict:
        """The layer's keyword arguments other than ``bias`` (each subclass lists its own)."""
        raise NotImplementedError

    def layer(self):
        """A freshly initialised layer of this configuration (float32 parameters)."""
        return self._layers[self.ndim](
            self.in_channels,
            self.out_channels,
            self.kernel_size,
            bias=self.bias,
            **self.hyperparameters(),
        )


@dataclass(frozen=True)
class ConvConfig(_LayerConfig):
    """One convolution: hyperparameters as a layer takes them, plus a batch and spatial size.
    ``layer()`` builds a ``Conv1d``/``Conv2d``/``Conv3d``."""

    _layers: ClassVar[dict] = {1: Conv1d, 2: Conv2d, 3: Conv3d}

    padding: int | tuple[int, ...] | str
    dilation: tuple[int, ...]
    groups: int
    bias: bool

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    @property
    def padding_pairs(self) -> Padding:
        return _padding_pairs(self.padding, self.kernel_size, self.dilation)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """(N, C_out, *O), O = ⌊(S + lo + hi − dilation·(K − 1) − 1) / stride⌋ + 1 per axis."""
        spatial = tuple(
            (size + lo + hi - d * (k - 1) - 1) // s + 1
            for size, k, s, (lo, hi), d in zip(
                self.spatial, self.kernel_size, self.stride, self.padding_pairs, self.dilation
            )
        )
        return (self.batch, self.out_channels, *spatial)

    def hyperparameters(self) -> dict:
        """stride, padding, dilation and groups as keyword arguments (also PyTorch's names)."""
        return dict(
            stride=self.stride, padding=self.padding, dilation=self.dilation, groups=self.groups
        )


def _draw_layout(draw, ndims, max_groups: int, max_channels_per_group: int):
    """The first draws of both convolution strategies: (ndim, groups, in_channels,
    out_channels), the channel counts whole multiples of groups."""
    ndim = draw(st.sampled_from(ndims))
    groups = draw(st.integers(1, max_groups))
    in_channels = groups * draw(st.integers(1, max_channels_per_group))
    out_channels = groups * draw(st.integers(1, max_channels_per_group))
    return ndim, groups, in_channels, out_channels


@st.composite
def conv_configs(
    draw,
    ndims=(1, 2, 3),
    max_groups: int = 3,
    max_channels_per_group: int = 3,
    max_kernel: int = 3,
    max_stride: int = 3,
    max_dilation: int = 2,
    max_padding: int = 2,
    max_batch: int = 2,
    max_extra_size: int = 3,
    kernel_size: tuple | None = None,
    stride: tuple | None = None,
    dilation: tuple | None = None,
) -> ConvConfig:
    """Valid convolution configurations over the given numbers of spatial dimensions.

    Padding is drawn as an int, a per-axis tuple, ``'valid'`` or ``'same'`` (then stride 1).
    Each spatial size is the smallest the padded kernel fits in plus up to ``max_extra_size``.
    Depthwise convolutions arise whenever one channel per group is drawn. ``kernel_size``,
    ``stride`` and ``dilation``, when given (one int per axis), are used instead of drawn — for
    an algorithm that handles only some shapes, such as 3×3 Winograd.
    """
    ndim, groups, in_channels, out_channels = _draw_layout(
        draw, ndims, max_groups, max_channels_per_group
    )

    def per_axis(low, high):
        return draw(st.tuples(*[st.integers(low, high)] * ndim))

    kernel_size = kernel_size or per_axis(1, max_kernel)
    dilation = dilation or per_axis(1, max_dilation)
    same_allowed = stride is None or set(stride) == {1}  # 'same' needs stride 1
    padding_kind = draw(st.sampled_from(["int", "tuple", "valid"] + ["same"] * same_allowed))
    stride = stride or ((1,) * ndim if padding_kind == "same" else per_axis(1, max_stride))
    padding = {
        "int": lambda: draw(st.integers(0, max_padding)),
        "tuple": lambda: per_axis(0, max_padding),
        "valid": lambda: "valid",
        "same": lambda: "same",
    }[padding_kind]()
    pairs = _padding_pairs(padding, kernel_size, dilation)
    spatial = tuple(
        max(1, d * (k - 1) + 1 - lo - hi) + draw(st.integers(0, max_extra_size))
        for k, d, (lo, hi) in zip(kernel_size, dilation, pairs)
    )
    return ConvConfig(
        batch=draw(st.integers(1, max_batch)),
        in_channels=in_channels,
        out_channels=out_channels,
        spatial=spatial,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        bias=draw(st.booleans()),
    )


def arrays(shape, dtype=np.float64, low: float = -1.0, high: float = 1.0):
    """Arrays of ``shape`` with values uniform in [low, high), drawn from a seeded generator.

    Drawing a seed rather than every element keeps examples fast; Hypothesis reports the seed
    of a failing example, which reproduces it exactly.
    """
    return st.integers(0, 2**32 - 1).map(
        lambda seed: np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)
    )


@dataclass(frozen=True)
class PoolConfig:
    """One pooling window configuration, plus a batch and spatial size."""

    batch: int
    channels: int
    spatial: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    ceil_mode: bool
    count_include_pad: bool

    @property
    def ndim(self) -> int:
        return len(self.spatial)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.channels, *self.spatial)

    def hyperparameters(self) -> dict:
        """kernel_size, stride, padding and ceil_mode as keyword arguments (PyTorch's names)."""
        return dict(
            kernel_size=self.kernel_size,
            stride=self.stride,
            padding=self.padding,
            ceil_mode=self.ceil_mode,
        )


@st.composite
def pool_configs(
    draw,
    ndims=(1, 2, 3),
    max_kernel: int = 3,
    max_stride: int = 3,
    max_channels: int = 3,
    max_batch: int = 2,
    max_extra_size: int = 4,
) -> PoolConfig:
    """Valid pooling configurations: padding at most half the kernel (PyTorch's rule), and
    each spatial size at least the padded kernel."""
    ndim = draw(st.sampled_from(ndims))

    def per_axis(strategy):
        return draw(st.tuples(*[strategy] * ndim))

    kernel_size = per_axis(st.integers(1, max_kernel))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel_size)
    return PoolConfig(
        batch=draw(st.integers(1, max_batch)),
        channels=draw(st.integers(1, max_channels)),
        spatial=tuple(
            max(1, k - 2 * p) + draw(st.integers(0, max_extra_size))
            for k, p in zip(kernel_size, padding)
        ),
        kernel_size=kernel_size,
        stride=per_axis(st.integers(1, max_stride)),
        padding=padding,
        ceil_mode=draw(st.booleans()),
        count_include_pad=draw(st.booleans()),
    )


def distinct_arrays(shape, dtype=np.float64, spacing: float = 0.1):
    """Arrays of ``shape`` whose values are all different, at least ``spacing`` apart: a
    shuffled ``0, spacing, 2·spacing, …`` centred on zero. Max and min pooling are not
    differentiable at ties, so their finite-difference checks need such inputs."""
    size = int(np.prod(shape))

    def build(seed):
        values = (np.random.default_rng(seed).permutation(size) - size / 2) * spacing
        return values.reshape(shape).astype(dtype)

    return st.integers(0, 2**32 - 1).map(build)


@dataclass(frozen=True)
class ConvTransposeConfig(_LayerConfig):
    """One transposed convolution: hyperparameters as a layer takes them, plus a batch and
    spatial size of its input. ``layer()`` builds a ``ConvTranspose1d/2d/3d``."""

    _layers: ClassVar[dict] = {1: ConvTranspose1d, 2: ConvTranspose2d, 3: ConvTranspose3d}

    padding: int | tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    bias: bool

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """(C_in, C_out/groups, *K): PyTorch's layout for transposed convolutions."""
        return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)

    @property
    def padding_tuple(self) -> tuple[int, ...]:
        return self.padding if isinstance(self.padding, tuple) else (self.padding,) * self.ndim

    @property
    def output_shape(self) -> tuple[int, ...]:
        """(N, C_out, *O), O = (S − 1)·stride − 2·padding + dilation·(K − 1) + output_padding
        + 1 per axis."""
        spatial = tuple(
            (size - 1) * s - 2 * p + d * (k - 1) + op + 1
            for size, k, s, p, op, d in zip(
                self.spatial,
                self.kernel_size,
                self.stride,
                self.padding_tuple,
                self.output_padding,
                self.dilation,
            )
        )
        return (self.batch, self.out_channels, *spatial)

    def hyperparameters(self) -> dict:
        """stride, padding, output_padding, groups and dilation as keyword arguments (also
        PyTorch's names)."""
        return dict(
            stride=self.stride,
            padding=self.padding,
            output_padding=self.output_padding,
            groups=self.groups,
            dilation=self.dilation,
        )


@st.composite
def conv_transpose_configs(
    draw,
    ndims=(1, 2, 3),
    max_groups: int = 3,
    max_channels_per_group: int = 3,
    max_kernel: int = 3,
    max_stride: int = 3,
    max_dilation: int = 2,
    max_padding: int = 2,
    max_batch: int = 2,
    max_extra_size: int = 2,
) -> ConvTransposeConfig:
    """Valid transposed-convolution configurations over the given numbers of spatial dimensions.

    Padding is an int or a per-axis tuple; output_padding is drawn below max(stride, dilation)
    on each axis (PyTorch's rule). Each input size is the smallest that gives an output of at
    least 1 plus up to ``max_extra_size``. Shrinks towards 1-d, one group, one channel, kernel
    1, stride 1 and no padding.
    """
    ndim, groups, in_channels, out_channels = _draw_layout(
        draw, ndims, max_groups, max_channels_per_group
    )

    def per_axis(low, high):
        return draw(st.tuples(*[st.integers(low, high)] * ndim))

    kernel_size = per_axis(1, max_kernel)
    stride = per_axis(1, max_stride)
    dilation = per_axis(1, max_dilation)
    if draw(st.booleans()):
        padding = pads = per_axis(0, max_padding)
    else:
        padding = draw(st.integers(0, max_padding))
        pads = (padding,) * ndim
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    # O = (S − 1)·s − 2p + d·(K − 1) + op + 1 >= 1 needs S >= 1 + ⌈(2p − d·(K − 1) − op)/s⌉.
    spatial = tuple(
        1 + math.ceil(max(0, 2 * p - d * (k - 1) - op) / s) + draw(st.integers(0, max_extra_size))
        for k, s, p, op, d in zip(kernel_size, stride, pads, output_padding, dilation)
    )
    return ConvTransposeConfig(
        batch=draw(st.integers(1, max_batch)),
        in_channels=in_channels,
        out_channels=out_channels,
        spatial=spatial,
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        groups=groups,
        bias=draw(st.booleans()),
    )
