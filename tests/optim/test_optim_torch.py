"""PyTorch as an oracle for the optimizers and schedules (float64, 1e-12). Skipped without it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import Parameter

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SHAPES = [(3, 4), (5,), (2, 1, 3)]

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.02, momentum=0.7, weight_decay=0.1, nesterov=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.5, 0.9), eps=1e-6, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
]


def _pair(name, hyperparameters, params):
    """Our optimizer and PyTorch's (its for-loop implementation) over copies of params."""
    ours = [Parameter(p.copy()) for p in params]
    theirs = [torch.tensor(p, requires_grad=True) for p in params]
    torch_optimizer = getattr(torch.optim, name)(theirs, foreach=False, **hyperparameters)
    return ours, getattr(mc.optim, name)(ours, **hyperparameters), theirs, torch_optimizer


def _assert_same(ours, theirs):
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("name", "hyperparameters"), OPTIMIZERS)
@pytest.mark.parametrize("seed", [0, 1])
def test_random_gradient_trajectories(name, hyperparameters, seed):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(shape) for shape in SHAPES]
    ours, optimizer, theirs, torch_optimizer = _pair(name, hyperparameters, params)
    for step in range(20):
        for i, (p, t) in enumerate(zip(ours, theirs)):
            # every few steps one parameter has no gradient and must be skipped
            grad = None if (step + i) % 7 == 3 else rng.standard_normal(p.shape)
            p.grad = grad
            t.grad = None if grad is None else torch.tensor(grad)
        optimizer.step()
        torch_optimizer.step()
        _assert_same(ours, theirs)
    _assert_same_state(optimizer.state_dict(), torch_optimizer.state_dict())


def _assert_same_state(ours, theirs):
    assert [g["params"] for g in ours["param_groups"]] == [
        g["params"] for g in theirs["param_groups"]
    ]
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for index, state in theirs["state"].items():
        assert sorted(ours["state"][index]) == sorted(state)
        for key, value in state.items():
            np.testing.assert_allclose(ours["state"][index][key], value.numpy(), rtol=1e-12)


@pytest.mark.parametrize(("name", "hyperparameters"), OPTIMIZERS)
def test_quadratic_loss_trajectories(name, hyperparameters):
    # L = ½ Σ a ⊙ (p − c)², so dL/dp = a ⊙ (p − c): each side differentiates its own p
    rng = np.random.default_rng(2)
    params = [rng.standard_normal(shape) for shape in SHAPES]
    curvatures = [rng.uniform(0.1, 3, shape) for shape in SHAPES]
    centres = [rng.standard_normal(shape) for shape in SHAPES]
    ours, optimizer, theirs, torch_optimizer = _pair(name, hyperparameters, params)
    for _ in range(20):
        optimizer.zero_grad()
        torch_optimizer.zero_grad()
        loss = 0
        for p, t, a, c in zip(ours, theirs, curvatures, centres):
            p.grad = a * (p.data - c)
            loss = loss + 0.5 * (torch.tensor(a) * (t - torch.tensor(c)) ** 2).sum()
        loss.backward()
        optimizer.step()
        torch_optimizer.step()
        _assert_same(ours, theirs)


def test_parameter_groups_match_pytorch():
    rng = np.random.default_rng(3)
    params = [rng.standard_normal(shape) for shape in SHAPES]
    ours = [Parameter(p.copy()) for p in params]
    theirs = [torch.tensor(p, requires_grad=True) for p in params]
    groups = [{"params": [0, 1], "lr": 0.1, "momentum": 0.5}, {"params": [2]}]

    def build(tensors):
        return [{**g, "params": [tensors[i] for i in g["params"]]} for g in groups]

    optimizer = mc.optim.SGD(build(ours), lr=0.01, momentum=0.9, nesterov=True)
    torch_optimizer = torch.optim.SGD(build(theirs), lr=0.01, momentum=0.9, nesterov=True)
    for _ in range(5):
        for p, t in zip(ours, theirs):
            p.grad = rng.standard_normal(p.shape)
            t.grad = torch.tensor(p.grad)
        optimizer.step()
        torch_optimizer.step()
    _assert_same(ours, theirs)
    _assert_same_state(optimizer.state_dict(), torch_optimizer.state_dict())


SCHEDULERS = [
    ("StepLR", dict(step_size=1)),
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=7, gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=1)),
    ("CosineAnnealingLR", dict(T_max=5)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
]


def _schedules(name, arguments, lrs, epochs):
    """Our rates and PyTorch's over ``epochs`` epochs, for one group per entry of lrs."""
    ours = mc.optim.SGD([{"params": [Parameter(np.zeros(1))], "lr": lr} for lr in lrs])
    theirs = torch.optim.SGD([{"params": [torch.zeros(1)], "lr": lr} for lr in lrs])
    scheduler = getattr(mc.optim.lr_scheduler, name)(ours, **arguments)
    torch_scheduler = getattr(torch.optim.lr_scheduler, name)(theirs, **arguments)
    rates, torch_rates = [scheduler.get_last_lr()], [torch_scheduler.get_last_lr()]
    for _ in range(epochs):
        theirs.step()  # PyTorch warns about a scheduler step before the optimizer's
        scheduler.step()
        torch_scheduler.step()
        rates.append(scheduler.get_last_lr())
        torch_rates.append(torch_scheduler.get_last_lr())
    return np.array(rates), np.array(torch_rates)


@pytest.mark.parametrize(("name", "arguments"), SCHEDULERS)
def test_schedules_match_pytorch_over_30_epochs(name, arguments):
    rates, torch_rates = _schedules(name, arguments, [0.1, 0.02], 30)
    np.testing.assert_allclose(rates, torch_rates, rtol=1e-12, atol=0)


@given(st.integers(1, 50), st.floats(1e-4, 10), st.floats(0, 1), st.integers(0, 160))
def test_cosine_matches_pytorch_for_any_period(T_max, lr, eta_fraction, epochs):
    arguments = dict(T_max=T_max, eta_min=eta_fraction * lr)
    rates, torch_rates = _schedules("CosineAnnealingLR", arguments, [lr], epochs)
    np.testing.assert_allclose(rates, torch_rates, rtol=1e-12, atol=0)
