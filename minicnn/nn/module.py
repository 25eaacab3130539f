"""``Module`` and ``Parameter``: the two classes every layer is built from.

A module is a function with memory. ``module(x)`` runs ``forward(x)``, which computes the
output and keeps what the backward pass will need; ``module.backward(grad_out)`` turns the
gradient of the loss with respect to the output into the gradient with respect to the input,
and *adds* the gradient of each parameter to ``parameter.grad`` (so gradients from several
backward passes accumulate until ``zero_grad()``, as in PyTorch).

Parameters and sub-modules are found by looking at the module's attributes, in the order they
were assigned: a module's own parameters first, then those of each sub-module, depth first —
PyTorch's order, so parameter lists line up with PyTorch's ``parameters()``. Buffers are
arrays that are saved with the module but not learned (BatchNorm's running statistics):
plain attributes whose names ``register_buffer`` records.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..backend import check_device, copy_like, to_device


class StateDictError(ValueError, RuntimeError):
    """``load_state_dict`` was given keys that do not match the module's, or an array of the
    wrong shape. PyTorch raises ``RuntimeError`` there; this error is also a ``ValueError``,
    so ``except RuntimeError`` and ``except ValueError`` both catch it."""


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns, as in PyTorch: the keys the module expected but the
    state dict lacked, and the keys the state dict had that the module did not expect. Loading
    is strict (any mismatch raises ``StateDictError``), so both lists are empty whenever it
    returns, and the value shows as ``<All keys matched successfully>``."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class Parameter:
    """A learnable array and the gradient accumulated for it.

    ``data`` may be replaced by assignment (any float dtype; the layer computes in its input's
    dtype). ``grad`` is ``None`` until a backward pass adds to it, and has ``data``'s dtype.
    """

    def __init__(self, data):
        if not np.issubdtype(data.dtype, np.floating):
            raise TypeError(f"a Parameter holds floating-point data, got dtype {data.dtype}")
        self.data = data
        self.grad = None

    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    @property
    def dtype(self):
        return self.data.dtype

    def accumulate_grad(self, grad) -> None:
        """Add ``grad`` (same shape as ``data``) to ``self.grad``, in ``data``'s dtype."""
        if tuple(grad.shape) != self.shape:
            raise ValueError(f"gradient of shape {tuple(grad.shape)} for a {self.shape} parameter")
        grad = grad.astype(self.data.dtype, copy=False)
        self.grad = grad.copy() if self.grad is None else self.grad + grad

    def __repr__(self) -> str:
        return f"Parameter(shape={self.shape}, dtype={self.dtype})"


class Module:
    """Base class of every layer and network.

    Subclasses call ``super().__init__()``, assign their ``Parameter``s and sub-modules as
    attributes, and override ``forward(x)`` and ``backward(grad_out)``.
    """

    # Buffers that ``load_state_dict`` lets a state dict leave out (the module keeps its own
    # value): BatchNorm's ``num_batches_tracked``, which older PyTorch checkpoints lack.
    _optional_buffers: tuple[str, ...] = ()

    def __init__(self):
        self.training = True

    def __call__(self, *inputs):
        return self.forward(*inputs)

    def forward(self, *inputs):
        """Compute the output for the input(s) and keep what ``backward`` needs."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def backward(self, grad_out):
        """Return d loss / d input and add each parameter's gradient to its ``.grad``."""
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_out)")

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules, in assignment order."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "", _seen=None) -> Iterator[tuple[str, Module]]:
        """This module and all below it, each once, depth first, with dotted names ("" for
        this one)."""
        seen = set() if _seen is None else _seen
        if id(self) in seen:
            return
        seen.add(id(self))
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name, seen)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Every parameter once, in PyTorch's order, with dotted names such as ``"0.weight"``."""
        seen = set()
        for prefix, module in self.named_modules():
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{prefix}.{name}" if prefix else name), value

    def parameters(self) -> list[Parameter]:
        """All parameters as a list (``[]`` for a module without any)."""
        return [p for _, p in self.named_parameters()]

    def register_buffer(self, name: str, array) -> None:
        """Make attribute ``name`` a buffer: part of ``state_dict()``, not of ``parameters()``.
        It stays a plain attribute, so it can be reassigned freely."""
        names = vars(self).setdefault("_buffer_names", [])
        if name not in names:
            names.append(name)
        setattr(self, name, array)

    def named_buffers(self) -> Iterator[tuple[str, object]]:
        """Every buffer, depth first, with dotted names such as ``"1.running_mean"``."""
        for prefix, module in self.named_modules():
            for name, array in module._own_buffers():
                yield (f"{prefix}.{name}" if prefix else name), array

    def state_dict(self) -> dict:
        """Name → array for every parameter and buffer, in PyTorch's order (each module's
        parameters, then its buffers, then its sub-modules'). A sub-module used twice is listed
        under both names, as in PyTorch (``Sequential(layer, layer)`` gives ``0.weight`` and
        ``1.weight``).

        The arrays are the module's own, not copies: training steps and ``load_state_dict``
        write into them in place, so a state dict taken earlier shows the current values, as
        PyTorch's does (``copy.deepcopy`` takes a snapshot). ``double()``, ``float()``, ``to()``
        and assigning ``parameter.data`` put new arrays in place of the old ones."""
        return {key: array for key, array, _ in self._state_entries()}

    def load_state_dict(self, state_dict: dict) -> IncompatibleKeys:
        """Copy ``state_dict`` (as made by ``state_dict()``) into the parameters and buffers,
        in place, keeping each one's dtype, shape and device (NumPy or CuPy).

        Every key must match, with the same shape; otherwise a ``StateDictError`` names the
        keys (and shapes) that differ and nothing is changed. One exception, as in PyTorch: a
        BatchNorm's ``num_batches_tracked`` may be left out, and keeps its current value.
        Returns ``IncompatibleKeys(missing_keys=[], unexpected_keys=[])``, as PyTorch's strict
        loading does."""
        entries = list(self._state_entries())
        own = {key: array for key, array, _ in entries}
        optional = {key for key, _, may_be_missing in entries if may_be_missing}
        missing = [key for key in own if key not in state_dict and key not in optional]
        unexpected = [key for key in state_dict if key not in own]
        if missing or unexpected:
            raise StateDictError(
                f"state does not match {type(self).__name__}: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        for key, target in own.items():
            if key in state_dict and tuple(state_dict[key].shape) != tuple(target.shape):
                raise StateDictError(
                    f"state[{key!r}] has shape {tuple(state_dict[key].shape)}, but the "
                    f"module's {key} has shape {tuple(target.shape)}"
                )
        converted = {key: copy_like(value, own[key]) for key, value in state_dict.items()}
        for key, value in converted.items():  # all converted first: a failure changes nothing
            own[key][...] = value
        return IncompatibleKeys(missing_keys=[], unexpected_keys=[])

    def _state_entries(self, prefix: str = "") -> Iterator[tuple[str, object, bool]]:
        """``(key, array, may_be_missing)`` for each entry of ``state_dict()``: this module's
        parameters, then its buffers, then each child's entries. Like PyTorch, it goes through
        every child, so a module used twice is visited twice, under each of its names."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value.data, False
        for name, array in self._own_buffers():
            yield prefix + name, array, name in self._optional_buffers
        for name, child in self.named_children():
            yield from child._state_entries(f"{prefix}{name}.")

    def double(self) -> Module:
        """Cast every parameter and floating-point buffer to float64; returns ``self``."""
        return self._cast_floats(np.float64)

    def float(self) -> Module:
        """Cast every parameter and floating-point buffer to float32; returns ``self``."""
        return self._cast_floats(np.float32)

    def to(self, device: str) -> Module:
        """Move every parameter (with its ``.grad``) and every buffer to ``device``: ``"cpu"``
        (NumPy arrays) or ``"gpu"`` / ``"cuda"`` (CuPy arrays), keeping dtypes; returns
        ``self``. Without a usable GPU, ``"gpu"`` raises ``GPUUnavailableError`` (saying why)
        and moves nothing. Inputs must then be on the same device; the caches of an earlier
        forward pass stay where they were, so run forward again before backward."""
        if check_device(device) == "gpu":
            from ..cuda.device import require_gpu

            require_gpu(f"{type(self).__name__}.to({device!r})")
        for module in self.modules():
            for value in vars(module).values():
                if isinstance(value, Parameter):
                    value.data = to_device(value.data, device)
                    value.grad = None if value.grad is None else to_device(value.grad, device)
            for name, array in list(module._own_buffers()):
                setattr(module, name, to_device(array, device))
        return self

    def _cast_floats(self, dtype) -> Module:
        for module in self.modules():
            for value in vars(module).values():
                if isinstance(value, Parameter):
                    value.data = value.data.astype(dtype)
                    value.grad = None if value.grad is None else value.grad.astype(dtype)
            for name, array in list(module._own_buffers()):
                if np.issubdtype(array.dtype, np.floating):
                    setattr(module, name, array.astype(dtype))
        return self

    def _own_buffers(self) -> Iterator[tuple[str, object]]:
        for name in vars(self).get("_buffer_names", ()):
            array = getattr(self, name)
            if array is not None:
                yield name, array

    def zero_grad(self) -> None:
        """Forget accumulated gradients (``grad`` back to ``None``, as PyTorch's default)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every sub-module; returns ``self``."""
        if not isinstance(mode, bool):
            raise TypeError(f"mode must be a bool, got {mode!r}")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``); returns ``self``."""
        return self.train(False)

    def extra_repr(self) -> str:
        """The text between the parentheses of ``repr(module)``; layers override it."""
        return ""

    def __repr__(self) -> str:
        children = [
            f"  ({name}): " + repr(child).replace("\n", "\n  ")
            for name, child in self.named_children()
        ]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        return f"{type(self).__name__}(\n" + "\n".join(children) + "\n)"


@contextmanager
def evaluation_mode(model: Module) -> Iterator[Module]:
    """``with evaluation_mode(model):`` runs the block with ``model`` in evaluation mode, then
    puts each of its modules back in the mode it was in (training or not), even on an error."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, training in modes:
            module.training = training


class OpLayer(Module):
    """A layer without parameters around one op pair of ``minicnn.ops``.

    ``forward`` keeps the cache of ``self._forward(x) -> (y, cache)``; ``backward`` hands it
    to ``self._backward(grad_out, cache) -> dx``. Subclasses supply the two (activations,
    pooling, dropout, flatten, local response normalisation).
    """

    def __init__(self):
        super().__init__()
        self._cache = None

    def forward(self, x):
        y, self._cache = self._forward(x)
        return y

    def backward(self, grad_out):
        if self._cache is None:
            raise RuntimeError("backward() called before forward()")
        return self._backward(grad_out, self._cache)
