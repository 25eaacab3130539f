import inspect

import numpy as np
import pytest

import minicnn as mc
from minicnn.nn import BatchNorm2d, Conv1d, Conv2d, Module, Parameter
from minicnn.nn.module import IncompatibleKeys, StateDictError, evaluation_mode


class Scale(Module):
    """y = a·x with a learnable scalar a: a user-written layer, overriding forward and backward."""

    def __init__(self):
        super().__init__()
        self.a = Parameter(np.array([2.0], np.float32))

    def forward(self, x):
        self.x = x
        return self.a.data.astype(x.dtype) * x

    def backward(self, grad_out):
        self.a.accumulate_grad(np.array([np.sum(grad_out * self.x)]))
        return self.a.data.astype(grad_out.dtype) * grad_out


class Net(Module):
    def __init__(self):
        super().__init__()
        self.conv = Conv2d(1, 2, 3)
        self.head = Parameter(np.zeros(3, np.float32))
        self.block = Chain(Conv1d(2, 2, 1), Scale())


class Chain(Module):
    def __init__(self, first, second):
        super().__init__()
        self.first, self.second = first, second


def test_parameters_follow_pytorchs_order():
    # A module's own parameters first, then each sub-module's, depth first, in assignment order.
    names = [name for name, _ in Net().named_parameters()]
    assert names == [
        "head",
        "conv.weight",
        "conv.bias",
        "block.first.weight",
        "block.first.bias",
        "block.second.a",
    ]
    assert len(Net().parameters()) == 6


def test_a_module_without_parameters_has_none():
    assert Chain(Module(), Module()).parameters() == []


def test_shared_parameter_and_module_are_listed_once():
    chain = Chain(Scale(), Scale())
    chain.second.a = chain.first.a
    assert len(chain.parameters()) == 1
    shared = Scale()
    assert len(list(Chain(shared, shared).modules())) == 2


def test_user_layer_gradients_accumulate_until_zero_grad():
    layer = Scale()
    x = np.array([1.0, 2.0, 3.0])
    layer(x)
    np.testing.assert_array_equal(layer.backward(np.ones(3)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(layer.a.grad, [6.0])
    layer.backward(np.ones(3))
    np.testing.assert_array_equal(layer.a.grad, [12.0])
    assert layer.a.grad.dtype == np.float32  # the parameter's dtype, not the input's
    layer.zero_grad()
    assert layer.a.grad is None
    assert mc.gradcheck(layer, x)


def test_train_and_eval_reach_every_submodule():
    net = Net()
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(TypeError, match="mode must be a bool"):
        net.train("no")


def test_evaluation_mode_puts_each_module_back_in_its_own_mode():
    net = Net()
    frozen = next(m for m in net.modules() if m is not net)
    frozen.eval()  # a sub-module in evaluation mode inside a training model
    before = [m.training for m in net.modules()]
    assert before.count(False) == 1
    with evaluation_mode(net) as inside:
        assert inside is net and not any(m.training for m in net.modules())
    assert [m.training for m in net.modules()] == before
    with pytest.raises(ValueError, match="raised inside"), evaluation_mode(net):
        raise ValueError("raised inside")
    assert [m.training for m in net.modules()] == before


def test_forward_and_backward_must_be_written():
    with pytest.raises(NotImplementedError, match="Module must implement forward"):
        Module()(np.zeros(1))
    with pytest.raises(NotImplementedError, match="must implement backward"):
        Module().backward(np.zeros(1))


def test_named_modules_and_repr():
    net = Net()
    assert [name for name, _ in net.named_modules()] == [
        "",
        "conv",
        "block",
        "block.first",
        "block.second",
    ]
    text = repr(net)
    assert text.startswith("Net(\n  (conv): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))")
    assert "    (second): Scale()" in text


def test_parameter_checks():
    with pytest.raises(TypeError, match="floating-point data, got dtype int64"):
        Parameter(np.zeros(3, np.int64))
    p = Parameter(np.zeros((2, 3), np.float32))
    assert p.shape == (2, 3) and p.dtype == np.float32
    with pytest.raises(ValueError, match=r"gradient of shape \(3, 2\) for a \(2, 3\) parameter"):
        p.accumulate_grad(np.zeros((3, 2)))
    g = np.ones((2, 3))
    p.accumulate_grad(g)
    p.accumulate_grad(g)
    np.testing.assert_array_equal(g, 1.0)  # the caller's gradient array is not modified
    np.testing.assert_array_equal(p.grad, 2.0)
    assert repr(p) == "Parameter(shape=(2, 3), dtype=float32)"


def _small_net():
    return mc.nn.Sequential(Conv2d(1, 2, 3), mc.nn.BatchNorm2d(2), Conv2d(2, 1, 1))


def test_state_dict_lists_parameters_and_buffers_in_pytorchs_order():
    assert list(_small_net().state_dict()) == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
        "2.weight",
        "2.bias",
    ]


def test_load_state_dict_copies_values_and_keeps_dtypes():
    source, target = _small_net(), _small_net()
    source(np.random.default_rng(0).standard_normal((2, 1, 4, 4)))  # moves running statistics
    state = {
        key: np.asarray(value, np.float64) if value.dtype.kind == "f" else value
        for key, value in source.state_dict().items()
    }
    target.load_state_dict(state)
    for key, value in target.state_dict().items():
        np.testing.assert_allclose(value, source.state_dict()[key], rtol=1e-7)
        assert value.dtype == source.state_dict()[key].dtype
    state["0.weight"][...] = 0  # the module holds copies, not the caller's arrays
    assert np.any(target[0].weight.data != 0)


def test_load_state_dict_names_what_does_not_match_and_changes_nothing():
    net = _small_net()
    before = {key: value.copy() for key, value in net.state_dict().items()}
    state = {key: np.zeros_like(value) for key, value in net.state_dict().items()}
    state["2.weight"] = np.zeros((1, 3, 1, 1))
    with pytest.raises(
        StateDictError, match=r"state\['2.weight'\] has shape \(1, 3, 1, 1\).*\(1, 2, 1, 1\)"
    ):
        net.load_state_dict(state)
    del state["2.weight"]
    state["extra"] = np.zeros(1)
    with pytest.raises(
        StateDictError, match=r"missing keys \['2.weight'\], unexpected keys \['extra'\]"
    ):
        net.load_state_dict(state)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
    state = {key: np.ones_like(value) for key, value in net.state_dict().items()}
    state["1.running_var"] = np.array(["a", "b"])  # the right shape, but not numbers
    with pytest.raises(ValueError, match="could not convert"):
        net.load_state_dict(state)
    for key, value in net.state_dict().items():  # the entries before it are unchanged too
        np.testing.assert_array_equal(value, before[key])


def test_double_and_float_cast_parameters_and_floating_buffers():
    net = _small_net().double()
    dtypes = {key: value.dtype for key, value in net.state_dict().items()}
    assert dtypes.pop("1.num_batches_tracked") == np.int64
    assert set(dtypes.values()) == {np.dtype(np.float64)}
    assert net.float() is net
    assert {value.dtype for value in net.state_dict().values()} == {
        np.dtype(np.float32),
        np.dtype(np.int64),
    }


def test_accumulate_grad_keeps_its_own_copy():
    p = Parameter(np.zeros(3))
    grad = np.ones(3)
    p.accumulate_grad(grad)
    grad[...] = 7  # the caller reuses its buffer; the parameter's gradient must not change
    np.testing.assert_array_equal(p.grad, np.ones(3))


def test_load_state_dict_refuses_an_unexpected_key_on_its_own():
    net = _small_net()
    state = {key: value.copy() for key, value in net.state_dict().items()}
    state["extra"] = np.zeros(1)
    with pytest.raises(ValueError, match=r"missing keys \[\], unexpected keys \['extra'\]"):
        net.load_state_dict(state)


def test_double_and_float_cast_gradients_too():
    net = _small_net()
    net(np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32))
    net.backward(np.ones((2, 1, 2, 2), np.float32))
    net.double()
    assert {p.grad.dtype for p in net.parameters()} == {np.dtype(np.float64)}
    net.float()
    assert {p.grad.dtype for p in net.parameters()} == {np.dtype(np.float32)}


def test_state_dict_holds_the_modules_own_arrays():
    net = _small_net()
    state = net.state_dict()
    assert state["0.weight"] is net[0].weight.data
    assert state["1.bias"] is net[1].bias.data
    assert state["1.running_mean"] is net[1].running_mean


def test_the_load_error_is_both_pytorchs_runtime_error_and_a_value_error():
    net = _small_net()
    state = dict(net.state_dict())
    del state["0.bias"]
    for caught in (RuntimeError, ValueError):  # PyTorch's error, and minicnn's earlier one
        with pytest.raises(caught, match=r"missing keys \['0.bias'\]"):
            net.load_state_dict(state)
    state = {key: value.copy() for key, value in net.state_dict().items()}
    state["2.bias"] = np.zeros(2)
    for caught in (RuntimeError, ValueError):
        with pytest.raises(caught, match=r"state\['2.bias'\] has shape \(2,\)"):
            net.load_state_dict(state)


@pytest.mark.torch
def test_load_state_dict_has_pytorchs_argument_and_return_value():
    torch = pytest.importorskip("torch")
    ours = inspect.signature(Module.load_state_dict).parameters
    theirs = inspect.signature(torch.nn.Module.load_state_dict).parameters
    assert list(ours)[:2] == list(theirs)[:2] == ["self", "state_dict"]
    net = _small_net()
    result = net.load_state_dict(state_dict=_small_net().state_dict())
    reference = torch.nn.Linear(2, 1)
    expected = reference.load_state_dict(torch.nn.Linear(2, 1).state_dict())
    assert result == tuple(expected) == ([], [])
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == repr(expected) == "<All keys matched successfully>"
    assert str(result) == str(expected)
    missing, unexpected = result
    assert missing == unexpected == []
    assert repr(IncompatibleKeys(["a"], [])) == (
        "IncompatibleKeys(missing_keys=['a'], unexpected_keys=[])"
    )


def _torch_pair():
    """The same network in minicnn and in PyTorch (float64), with a convolution used twice."""
    torch = pytest.importorskip("torch")
    conv, bn = Conv2d(2, 2, 1), BatchNorm2d(2)
    ours = mc.nn.Sequential(conv, bn, conv, mc.nn.Sequential(bn))
    tconv, tbn = torch.nn.Conv2d(2, 2, 1).double(), torch.nn.BatchNorm2d(2).double()
    theirs = torch.nn.Sequential(tconv, tbn, tconv, torch.nn.Sequential(tbn))
    return ours, theirs


@pytest.mark.torch
def test_a_module_used_twice_is_in_the_state_dict_under_each_name():
    ours, theirs = _torch_pair()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "2.weight" in ours.state_dict() and "3.0.running_mean" in ours.state_dict()
    assert ours.state_dict()["2.weight"] is ours[0].weight.data
    # parameters and modules are still listed once each, as PyTorch's are
    assert len(ours.parameters()) == len(list(theirs.parameters())) == 4
    assert len(list(ours.modules())) == len(list(theirs.modules())) == 4
    assert [name for name, _ in ours.named_buffers()] == [
        name for name, _ in theirs.named_buffers()
    ]
    # PyTorch's state dict loads, every key included
    state = {key: value.numpy() for key, value in theirs.state_dict().items()}
    assert ours.load_state_dict(state) == ([], [])
    np.testing.assert_array_equal(ours[2].weight.data, state["2.weight"].astype(np.float32))


@pytest.mark.torch
def test_a_state_dict_taken_earlier_shows_the_loaded_values_as_pytorchs_does():
    torch = pytest.importorskip("torch")
    reference = torch.nn.Linear(3, 2)
    earlier = reference.state_dict()
    reference.load_state_dict({"weight": torch.ones(2, 3), "bias": torch.zeros(2)})
    assert torch.equal(earlier["weight"], torch.ones(2, 3))

    net, source = _small_net(), _small_net()
    source(np.random.default_rng(0).standard_normal((2, 1, 4, 4)))
    earlier = net.state_dict()
    net.load_state_dict(source.state_dict())
    for key, value in net.state_dict().items():
        assert value is earlier[key]  # the same arrays, written in place
        np.testing.assert_array_equal(earlier[key], source.state_dict()[key])
        assert value.dtype == source.state_dict()[key].dtype
    assert net[0].weight.data is earlier["0.weight"]
    assert int(earlier["1.num_batches_tracked"]) == 1


@pytest.mark.torch
def test_a_state_dict_without_num_batches_tracked_keeps_the_count_as_pytorchs():
    torch = pytest.importorskip("torch")
    ours = mc.nn.Sequential(Conv2d(2, 2, 1), BatchNorm2d(2))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(2, 2, 1), torch.nn.BatchNorm2d(2)).double()
    x = np.random.default_rng(1).standard_normal((3, 2, 2, 2))
    for _ in range(3):
        ours(x)
        theirs(torch.tensor(x))
    state = {key: value.numpy().copy() for key, value in theirs.state_dict().items()}
    del state["1.num_batches_tracked"]
    state["1.running_mean"][...] = 7.0
    expected = theirs.load_state_dict({key: torch.tensor(v) for key, v in state.items()})
    assert ours.load_state_dict(state) == tuple(expected) == ([], [])
    np.testing.assert_array_equal(ours[1].running_mean, [7.0, 7.0])
    assert int(ours[1].num_batches_tracked) == int(theirs[1].num_batches_tracked) == 3
    del state["1.running_mean"]  # no other entry may be left out
    with pytest.raises(StateDictError, match=r"missing keys \['1.running_mean'\]"):
        ours.load_state_dict(state)
