import copy
from collections import defaultdict

import numpy as np
import pytest

import minicnn as mc
from minicnn.nn import Parameter
from minicnn.optim import SGD, Adam


def _params(*shapes, dtype=np.float64):
    rng = np.random.default_rng(0)
    return [Parameter(rng.standard_normal(shape).astype(dtype)) for shape in shapes]


def _set_grads(params, seed):
    rng = np.random.default_rng(seed)
    for p in params:
        p.grad = rng.standard_normal(p.shape).astype(p.dtype)


def test_parameter_groups_take_the_constructors_defaults():
    a, b = _params((2,), (3,))
    optimizer = SGD([{"params": [a], "lr": 0.5}, {"params": b}], lr=0.1, momentum=0.9)
    first, second = optimizer.param_groups
    assert first["params"] == [a] and second["params"] == [b]
    assert (first["lr"], second["lr"]) == (0.5, 0.1)
    assert first["momentum"] == second["momentum"] == 0.9
    before = [a.data.copy(), b.data.copy()]
    _set_grads([a, b], 1)
    optimizer.step()
    np.testing.assert_allclose(a.data, before[0] - 0.5 * a.grad, rtol=1e-15)
    np.testing.assert_allclose(b.data, before[1] - 0.1 * b.grad, rtol=1e-15)


def test_any_iterable_of_parameters():
    params = _params((2,), (3,))
    optimizer = SGD(p for p in params)
    assert optimizer.param_groups[0]["params"] == params
    optimizer.add_param_group({"params": _params((4,))[0], "lr": 0.3})
    assert len(optimizer.param_groups[1]["params"]) == 1
    assert optimizer.param_groups[1]["lr"] == 0.3


def test_zero_grad_sets_none():
    params = _params((2,), (3,))
    optimizer = Adam(params)
    _set_grads(params, 0)
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


def test_trains_a_module():
    # fit a convolution to the outputs of another one: L = ½‖layer(x) − teacher(x)‖²
    mc.manual_seed(0)
    teacher, layer = mc.nn.Conv1d(2, 3, 3), mc.nn.Conv1d(2, 3, 3)
    x = np.random.default_rng(0).standard_normal((4, 2, 8)).astype(np.float32)
    target = teacher(x)
    optimizer = SGD(layer.parameters(), lr=0.01, momentum=0.9)
    losses = []
    for _ in range(50):
        optimizer.zero_grad()
        error = layer(x) - target
        losses.append(0.5 * float(np.sum(error**2)))
        layer.backward(error)
        optimizer.step()
    assert losses[-1] < 0.01 * losses[0]
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ([], ValueError, "empty parameter list"),
        (Parameter(np.ones(2)), TypeError, "got a single Parameter"),
        ([np.ones(2)], TypeError, "can only optimize Parameters, got ndarray"),
        ([{"params": {Parameter(np.ones(2))}}], TypeError, "not a set"),
        ([{"params": [Parameter(np.ones(2))], "lr": -1.0}], ValueError, "lr must be >= 0"),
    ],
)
def test_bad_parameter_lists(params, error, message):
    with pytest.raises(error, match=message):
        SGD(params, lr=0.1)


def test_a_parameter_may_appear_only_once():
    (p,) = _params((2,))
    with pytest.raises(ValueError, match="appear more than once"):
        SGD([p, p])
    optimizer = SGD([p])
    with pytest.raises(ValueError, match="appear more than once"):
        optimizer.add_param_group({"params": [p]})
    with pytest.raises(TypeError, match="must be a dict, got list"):
        optimizer.add_param_group([p])


def test_state_dict_names_parameters_by_index():
    a, b, c = _params((2,), (3,), (1,))
    optimizer = SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    _set_grads([a, c], 0)
    optimizer.step()
    state = optimizer.state_dict()
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2]]
    assert state["param_groups"][1]["lr"] == 0.5
    assert sorted(state["state"]) == [0, 2]
    assert state["state"][2]["momentum_buffer"] is optimizer.state[c]["momentum_buffer"]


@pytest.mark.parametrize(
    "make",
    [
        lambda params: SGD(params, lr=0.1, momentum=0.9, nesterov=True),
        lambda params: Adam(params, lr=0.1, weight_decay=0.01, amsgrad=True),
    ],
)
def test_a_loaded_optimizer_continues_the_same_trajectory(make):
    params = _params((2, 3), (4,))
    optimizer = make(params)
    for seed in range(3):
        _set_grads(params, seed)
        optimizer.step()
    saved = copy.deepcopy(optimizer.state_dict())
    copies = [Parameter(p.data.copy()) for p in params]
    resumed = make(copies)
    resumed.param_groups[0]["lr"] = 123.0  # overwritten by the loaded hyperparameters
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == 0.1
    assert resumed.param_groups[0]["params"] == copies
    for seed in range(3, 6):
        _set_grads(params, seed)
        _set_grads(copies, seed)
        optimizer.step()
        resumed.step()
    for p, q in zip(params, copies):
        np.testing.assert_array_equal(q.data, p.data)


def test_loading_copies_state_into_each_parameters_dtype():
    source = _params((3,))
    optimizer = Adam(source)
    _set_grads(source, 0)
    optimizer.step()
    saved = optimizer.state_dict()
    (target,) = _params((3,), dtype=np.float32)
    loaded = Adam([target])
    loaded.load_state_dict(saved)
    exp_avg = loaded.state[target]["exp_avg"]
    assert exp_avg.dtype == np.float32 and loaded.state[target]["step"] == 1
    exp_avg += 1  # a copy: the saved array is untouched
    assert not np.array_equal(saved["state"][0]["exp_avg"], exp_avg)


def test_loading_a_mismatched_state_dict():
    a, b = _params((2,), (3,))
    optimizer = SGD([a, b], momentum=0.9)
    _set_grads([a, b], 0)
    optimizer.step()
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match=r"sizes \[2\] against \[1\]"):
        SGD([a], momentum=0.9).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"state of shape \(3,\) for a parameter of shape \(5,\)"):
        SGD([a, Parameter(np.ones(5))], momentum=0.9).load_state_dict(saved)
    saved["state"][7] = {}
    with pytest.raises(ValueError, match="state for parameter 7"):
        SGD([a, b], momentum=0.9).load_state_dict(saved)


@pytest.mark.torch
def test_state_is_a_defaultdict_of_dicts_as_pytorchs():
    torch = pytest.importorskip("torch")
    reference = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    a, b = _params((2,), (3,))
    optimizer = SGD([a, b], lr=0.1, momentum=0.9)
    assert type(optimizer.state) is type(reference.state) is defaultdict
    assert optimizer.state[a] == {} == reference.state[reference.param_groups[0]["params"][0]]
    _set_grads([b], 0)
    optimizer.step()
    loaded = SGD(_params((2,), (3,)), lr=0.1, momentum=0.9)
    loaded.load_state_dict(optimizer.state_dict())
    assert type(loaded.state) is defaultdict
    first, second = loaded.param_groups[0]["params"]
    assert loaded.state[first] == {}  # no state yet for a parameter that never had a gradient
    assert list(loaded.state[second]) == ["momentum_buffer"]
