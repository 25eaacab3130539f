"""Containers: modules made of modules, and how the gradient flows through them.

- ``Identity()``: y = x, dx = dy.
- ``Sequential(f, g, h)``: y = h(g(f(x))). Backward runs the chain in reverse:
  dx = f.backward(g.backward(h.backward(dy))).
- ``Residual(body, shortcut)``: y = body(x) + shortcut(x), with the identity as the default
  shortcut (ResNet's BasicBlock; a 1×1 conv + BatchNorm projection when shapes change). The
  input feeds both branches, so its gradient is the sum: dx = body.backward(dy) +
  shortcut.backward(dy).
- ``Concat(a, b, ..., dim=1)``: y = [a(x), b(x), ...] joined along ``dim`` (channels by
  default: GoogLeNet's Inception block, DenseNet's dense connections). Backward cuts dy back
  into each branch's slice and sums the branches' input gradients.
"""

from __future__ import annotations

from ..backend import get_array_module
from .module import Module


class Identity(Module):
    """y = x (a branch that passes its input through, as DenseNet's Concat needs)."""

    def forward(self, x):
        return x

    def backward(self, grad_out):
        return grad_out


class Sequential(Module):
    """Modules applied one after another; iterable and indexable like a list."""

    def __init__(self, *modules: Module):
        super().__init__()
        for index, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential takes Modules, got {type(module).__name__} at position {index}"
                )
            setattr(self, str(index), module)

    def forward(self, x):
        for module in self:
            x = module(x)
        return x

    def backward(self, grad_out):
        for module in reversed(list(self)):
            grad_out = module.backward(grad_out)
        return grad_out

    def __iter__(self):
        return self.children()

    def __len__(self) -> int:
        return sum(1 for _ in self.children())

    def __getitem__(self, index):
        modules = list(self.children())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        return modules[index]


class Residual(Module):
    """y = body(x) + shortcut(x); the shortcut is the identity unless a module is given."""

    def __init__(self, body: Module, shortcut: Module | None = None):
        super().__init__()
        for name, module in (("body", body), ("shortcut", shortcut)):
            if module is not None and not isinstance(module, Module):
                raise TypeError(f"{name} must be a Module, got {type(module).__name__}")
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        y = self.body(x)
        skip = x if self.shortcut is None else self.shortcut(x)
        if y.shape != skip.shape:
            raise ValueError(
                f"the body gives shape {tuple(y.shape)} but the shortcut gives "
                f"{tuple(skip.shape)}: use a projection shortcut to match them"
            )
        return y + skip

    def backward(self, grad_out):
        dx = self.body.backward(grad_out)
        return dx + (grad_out if self.shortcut is None else self.shortcut.backward(grad_out))


class Concat(Module):
    """Branches applied to the same input, outputs joined along ``dim`` (channels: 1)."""

    def __init__(self, *branches: Module, dim: int = 1):
        super().__init__()
        if not branches:
            raise ValueError("Concat needs at least one branch")
        for index, branch in enumerate(branches):
            if not isinstance(branch, Module):
                raise TypeError(
                    f"Concat takes Modules, got {type(branch).__name__} at position {index}"
                )
            setattr(self, str(index), branch)
        self.dim = dim
        self._sizes = None

    def forward(self, x):
        outputs = [branch(x) for branch in self.children()]
        xp = get_array_module(*outputs)
        try:
            y = xp.concatenate(outputs, axis=self.dim)
        except ValueError as error:
            shapes = [tuple(out.shape) for out in outputs]
            raise ValueError(
                f"cannot join branch outputs {shapes} along dim {self.dim}: {error}"
            ) from None
        self._sizes = [out.shape[self.dim] for out in outputs]
        return y

    def backward(self, grad_out):
        if self._sizes is None:
            raise RuntimeError("backward() called before forward()")
        xp = get_array_module(grad_out)
        bounds = [sum(self._sizes[:i]) for i in range(1, len(self._sizes))]
        pieces = xp.split(grad_out, bounds, axis=self.dim)
        dx = None
        for branch, piece in zip(self.children(), pieces):
            branch_dx = branch.backward(piece)
            dx = branch_dx if dx is None else dx + branch_dx
        return dx

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
