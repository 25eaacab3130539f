"""``Optimizer``: the base class of SGD, Adam and AdamW, with PyTorch's parameter groups.

An optimizer holds ``param_groups``, a list of dicts. Each dict has ``'params'`` (a list of
``Parameter``s) and the hyperparameters used for them (``'lr'``, ``'weight_decay'``, ...), so
different parts of a network can train with different settings::

    mc.optim.SGD(model.parameters(), lr=0.1)                     # one group
    mc.optim.SGD([{"params": backbone.parameters(), "lr": 0.01},
                  {"params": head.parameters()}], lr=0.1)         # the head uses lr=0.1

A group that leaves a hyperparameter out takes the constructor's value. Learning-rate
schedulers work by rewriting ``group['lr']`` between steps.

``step()`` updates every parameter whose ``grad`` is not ``None``, in place, in the dtype of
its ``data``; ``zero_grad()`` sets every ``grad`` back to ``None``. Per-parameter state (a
momentum buffer, Adam's moments) lives in ``state[parameter]`` and is created at a
parameter's first update, in its ``data``'s dtype and array module. As in PyTorch, ``state``
is a ``collections.defaultdict(dict)``: ``state[parameter]`` is ``{}`` before that update.
"""

from __future__ import annotations

import numbers
from collections import defaultdict

from ..backend import copy_like
from ..nn.module import Parameter


class Optimizer:
    """Base class: subclasses validate their hyperparameters in ``_check`` and update one
    parameter in ``_update``."""

    def __init__(self, params, defaults: dict):
        self._check(defaults)
        self.defaults = defaults
        self.param_groups: list[dict] = []
        self.state: defaultdict[Parameter, dict] = defaultdict(dict)
        if isinstance(params, Parameter):
            raise TypeError(
                "params must be an iterable of Parameters or of dicts, got a single Parameter"
            )
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Append a group; hyperparameters it leaves out take the constructor's values."""
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError("a parameter group's params must be ordered (a list), not a set")
        params = [params] if isinstance(params, Parameter) else list(params)
        for p in params:
            if not isinstance(p, Parameter):
                raise TypeError(f"optimizer can only optimize Parameters, got {type(p).__name__}")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if len({id(p) for p in params}) < len(params) or seen & {id(p) for p in params}:
            raise ValueError("some parameters appear more than once in the parameter groups")
        group = {**self.defaults, **param_group, "params": params}
        self._check(group)
        self.param_groups.append(group)

    def step(self) -> None:
        """Update, in place, every parameter that has a gradient."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, p.grad.astype(p.data.dtype, copy=False), group)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to ``None``."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def state_dict(self) -> dict:
        """``{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [index]}]}``.

        Parameters are named by their index in the order of ``param_groups`` (as PyTorch),
        so the state can be loaded into a fresh optimizer over the same model. The state
        arrays are the optimizer's own, not copies (``copy.deepcopy`` takes a snapshot).
        """
        index = {id(p): i for i, p in enumerate(self._all_params())}
        groups = [
            {**group, "params": [index[id(p)] for p in group["params"]]}
            for group in self.param_groups
        ]
        state = {index[id(p)]: dict(values) for p, values in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Take hyperparameters and per-parameter state from ``state_dict`` (as made by
        ``state_dict()``), copying each array into its parameter's dtype and array module.
        The groups must have the same sizes as this optimizer's."""
        saved_groups = state_dict["param_groups"]
        if [len(g["params"]) for g in saved_groups] != [
            len(g["params"]) for g in self.param_groups
        ]:
            raise ValueError(
                "the saved parameter groups do not match this optimizer's: sizes "
                f"{[len(g['params']) for g in saved_groups]} against "
                f"{[len(g['params']) for g in self.param_groups]}"
            )
        params = dict(
            zip(
                (i for g in saved_groups for i in g["params"]),
                self._all_params(),
            )
        )
        state = defaultdict(dict)
        for index, values in state_dict["state"].items():
            if index not in params:
                raise ValueError(f"state for parameter {index}, which no group holds")
            state[params[index]] = {
                name: _copy_like(value, params[index].data) for name, value in values.items()
            }
        self.state = state
        self.param_groups = [
            {**saved, "params": group["params"]}
            for saved, group in zip(saved_groups, self.param_groups)
        ]

    def _all_params(self) -> list[Parameter]:
        return [p for group in self.param_groups for p in group["params"]]

    def _check(self, group: dict) -> None:
        """Raise ``ValueError``/``TypeError`` naming a bad hyperparameter in ``group``."""
        raise NotImplementedError

    def _update(self, param: Parameter, grad, group: dict) -> None:
        """Update ``param.data`` in place from ``grad`` (already in ``param.data``'s dtype)."""
        raise NotImplementedError


def check_nonnegative(value, name: str) -> None:
    """``value`` must be a real number >= 0 (NaN is refused); the error names ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value}")


def _copy_like(value, target):
    """A copy of an array ``value`` in ``target``'s dtype and array module; other values
    (such as a step count) as they are."""
    if not hasattr(value, "shape"):
        return value
    if tuple(value.shape) != tuple(target.shape):
        raise ValueError(
            f"saved state of shape {tuple(value.shape)} for a parameter of shape "
            f"{tuple(target.shape)}"
        )
    return copy_like(value, target)
