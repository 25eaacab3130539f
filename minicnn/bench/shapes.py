"""What ``minicnn bench`` times: the ops, the named convolution shapes, and one case per pair.

A *case* is one op on one shape, described by plain numbers (lists and ints) so that it can
be sent as JSON to the PyTorch worker, which builds the same operands in its own process:

    conv-fwd          y = conv(x, W) + b
    conv-bwd          dx, dW and db from dy (the whole backward pass of one convolution)
    conv-bwd-data     dx alone
    conv-bwd-weights  dW and db alone
    maxpool           2×2 (2, 2×2×2) max pooling with stride 2, forward + backward, on the
                      convolution's output (N, C_out, *O): where pooling sits in a network
    train-step        one training step of LeNet (zero_grad, forward, NLL loss, backward,
                      Adam step) on a batch of 1×28×28 images; the shapes do not apply

The ResNet-style shapes are the 3×3 layers of a ResNet at batch 64 (C_out = C_in, padding 1);
the LeNet shapes are its two convolutions at batch 64; ``conv1d`` and ``conv3d`` are one
1-d and one 3-d layer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

OPS = ("conv-fwd", "conv-bwd", "conv-bwd-data", "conv-bwd-weights", "maxpool", "train-step")
CONV_OPS = OPS[:4]
POOL_SIZE = 2  # kernel and stride of the max pooling, on every spatial axis
TRAIN_MODEL = "lenet"
TRAIN_INPUT = (1, 28, 28)
TRAIN_CLASSES = 10


@dataclass(frozen=True)
class ConvShape:
    """One convolution layer: input (N, C_in, *S), weight (C_out, C_in, *K), stride, padding."""

    name: str
    x: tuple
    weight: tuple
    stride: int = 1
    padding: int = 0

    @property
    def out_spatial(self) -> tuple:
        """O = (S + 2P − K) / stride + 1 on each axis."""
        return tuple(
            (s + 2 * self.padding - k) // self.stride + 1
            for s, k in zip(self.x[2:], self.weight[2:])
        )

    @property
    def y(self) -> tuple:
        """The output shape (N, C_out, *O)."""
        return (self.x[0], self.weight[0], *self.out_spatial)

    @property
    def pooled(self) -> tuple:
        """The output shape of the max pooling applied to y."""
        return (*self.y[:2], *(o // POOL_SIZE for o in self.out_spatial))

    def with_batch(self, batch: int) -> ConvShape:
        return replace(self, x=(batch, *self.x[1:]))


SHAPES = {
    shape.name: shape
    for shape in (
        ConvShape("resnet-64x56", (64, 64, 56, 56), (64, 64, 3, 3), 1, 1),
        ConvShape("resnet-128x28", (64, 128, 28, 28), (128, 128, 3, 3), 1, 1),
        ConvShape("resnet-256x14", (64, 256, 14, 14), (256, 256, 3, 3), 1, 1),
        ConvShape("resnet-512x7", (64, 512, 7, 7), (512, 512, 3, 3), 1, 1),
        ConvShape("lenet-conv1", (64, 1, 28, 28), (10, 1, 5, 5)),
        ConvShape("lenet-conv2", (64, 10, 12, 12), (20, 10, 5, 5)),
        ConvShape("conv1d", (64, 64, 1024), (64, 64, 5), 1, 2),
        ConvShape("conv3d", (8, 16, 16, 16, 16), (32, 16, 3, 3, 3), 1, 1),
    )
}
QUICK_SHAPES = ("lenet-conv1", "lenet-conv2")


@dataclass(frozen=True)
class Case:
    """One op on one shape (``shape`` is None for the training step, which has ``batch``)."""

    op: str
    shape: ConvShape | None = None
    batch: int | None = None

    @property
    def label(self) -> str:
        """The case's name in the table: the shape's, or the model and batch."""
        return self.shape.name if self.shape else f"{TRAIN_MODEL}-b{self.batch}"

    def spec(self) -> dict:
        """The case as JSON-ready numbers, for the PyTorch worker."""
        if self.shape is None:
            return {"op": self.op, "x": [self.batch, *TRAIN_INPUT], "classes": TRAIN_CLASSES}
        s = self.shape
        return {
            "op": self.op,
            "x": list(s.x),
            "weight": list(s.weight),
            "y": list(s.y),
            "pooled": list(s.pooled),
            "stride": s.stride,
            "padding": s.padding,
            "pool": POOL_SIZE,
        }


def make_cases(ops, shape_names, batch=None, train_batch=256) -> list[Case]:
    """Every op on every named shape (the training step once); ``batch`` replaces the N of
    each shape when given."""
    shapes = [SHAPES[name] for name in shape_names]
    if batch is not None:
        shapes = [shape.with_batch(batch) for shape in shapes]
    cases = []
    for op in ops:
        if op == "train-step":
            cases.append(Case(op, batch=train_batch))
        else:
            cases += [Case(op, shape) for shape in shapes]
    return cases
