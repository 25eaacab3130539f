import inspect
import math

import numpy as np
import pytest

import minicnn as mc
from minicnn.nn import Parameter, init

# Large enough that the sample std is within 1% of its expectation for these fixed seeds
# (its relative spread is about 1/√(2n) ≈ 0.1%).
LARGE = (256, 64, 3, 3)  # fan_in 576, fan_out 2304


@pytest.mark.parametrize(
    ("shape", "fans"),
    [
        ((6, 4), (4, 6)),  # Linear(4, 6): weight (out, in)
        ((4, 2, 3), (6, 12)),  # Conv1d(2, 4, 3)
        ((8, 3, 5, 5), (75, 200)),  # Conv2d(3, 8, 5)
        ((6, 2, 3, 3), (18, 54)),  # Conv2d(4, 6, 3, groups=2): C_in/groups = 2
        ((2, 3, 1, 2, 3), (18, 12)),  # Conv3d(3, 2, (1, 2, 3))
    ],
)
def test_fans(shape, fans):
    assert init.calculate_fan_in_and_fan_out(shape) == fans


@pytest.mark.parametrize(
    ("nonlinearity", "param", "gain"),
    [
        ("linear", None, 1.0),
        ("conv2d", None, 1.0),
        ("conv_transpose3d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 5 / 3),
        ("relu", None, math.sqrt(2)),
        ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
        ("leaky_relu", 0, math.sqrt(2)),
        ("selu", None, 0.75),
    ],
)
def test_gains(nonlinearity, param, gain):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(gain, rel=1e-15)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [("linear", None), ("conv1d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
     ("leaky_relu", None), ("leaky_relu", 0.3), ("leaky_relu", 2), ("selu", None)],
)  # fmt: skip
def test_gains_match_pytorch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def _std_and_bound(name, shape, **kwargs):
    """The expected std and (for uniform fills) bound of init.<name>(shape, **kwargs)."""
    fan_in, fan_out = init.calculate_fan_in_and_fan_out(shape)
    if name.startswith("kaiming"):
        fan = fan_in if kwargs.get("mode", "fan_in") == "fan_in" else fan_out
        gain = init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
        std = gain / math.sqrt(fan)
    else:
        std = kwargs.get("gain", 1.0) * math.sqrt(2 / (fan_in + fan_out))
    return std, math.sqrt(3) * std


FILLS = [
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", dict(a=math.sqrt(5))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal_", {}),
    ("kaiming_normal_", dict(mode="fan_out", nonlinearity="tanh")),
    ("xavier_uniform_", {}),
    ("xavier_uniform_", dict(gain=2.0)),
    ("xavier_normal_", {}),
    ("xavier_normal_", dict(gain=0.5)),
]


@pytest.mark.parametrize(("name", "kwargs"), FILLS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fills_have_the_right_spread_and_keep_the_dtype(name, kwargs, dtype):
    mc.manual_seed(0)
    array = np.zeros(LARGE, dtype)
    assert getattr(init, name)(array, **kwargs) is array
    assert array.dtype == dtype
    std, bound = _std_and_bound(name, LARGE, **kwargs)
    assert np.std(array) == pytest.approx(std, rel=0.01)
    assert abs(np.mean(array)) < 0.01 * std
    if name.endswith("uniform_"):
        assert np.abs(array).max() <= bound
        assert np.abs(array).max() > 0.999 * bound
    else:
        assert np.abs(array).max() > 3 * std  # a normal, not a clipped or uniform fill


def test_pytorch_default_for_layers_is_uniform_within_one_over_root_fan_in():
    mc.manual_seed(1)
    array = init.kaiming_uniform_(np.zeros((16, 8, 5)), a=math.sqrt(5))
    assert np.abs(array).max() <= 1 / math.sqrt(40)
    assert np.abs(array).max() > 0.95 / math.sqrt(40)


def test_parameter_and_array_get_the_same_values():
    parameter = Parameter(np.zeros((4, 3, 2), np.float32))
    data = parameter.data
    mc.manual_seed(5)
    assert init.xavier_normal_(parameter) is parameter
    assert parameter.data is data and data.dtype == np.float32
    mc.manual_seed(5)
    array = init.xavier_normal_(np.zeros((4, 3, 2), np.float32))
    np.testing.assert_array_equal(parameter.data, array)


@pytest.mark.parametrize(("name", "kwargs"), FILLS)
def test_reproducible_with_manual_seed(name, kwargs):
    draws = []
    for seed in (3, 3, 4):
        mc.manual_seed(seed)
        draws.append(getattr(init, name)(np.zeros((5, 4)), **kwargs))
    np.testing.assert_array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[0], draws[2])


def test_uniform_normal_zeros_ones():
    mc.manual_seed(0)
    uniform = init.uniform_(np.zeros(100_000, np.float32), a=-2.0, b=3.0)
    assert uniform.dtype == np.float32
    assert uniform.min() >= -2.0 and uniform.max() <= 3.0
    assert np.mean(uniform) == pytest.approx(0.5, abs=0.02)
    normal = init.normal_(np.zeros(100_000), 1.0, 0.5)
    assert np.mean(normal) == pytest.approx(1.0, abs=0.01)
    assert np.std(normal) == pytest.approx(0.5, rel=0.01)
    np.testing.assert_array_equal(init.zeros_(Parameter(np.ones((2, 2)))).data, np.zeros((2, 2)))
    np.testing.assert_array_equal(init.ones_(np.zeros(3, np.float32)), np.ones(3))
    constant = init.constant_(Parameter(np.zeros((2, 3), np.float32)), val=0.25)
    assert constant.data.dtype == np.float32
    np.testing.assert_array_equal(constant.data, np.full((2, 3), 0.25))


@pytest.mark.torch
@pytest.mark.parametrize(
    "name",
    ["uniform_", "normal_", "constant_", "zeros_", "ones_", "kaiming_uniform_",
     "kaiming_normal_", "xavier_uniform_", "xavier_normal_", "calculate_gain"],
)  # fmt: skip
def test_arguments_have_pytorchs_names_and_defaults(name):
    torch = pytest.importorskip("torch")

    def arguments(function):
        parameters = inspect.signature(function).parameters.values()
        # PyTorch's optional torch.Generator has no counterpart: minicnn.manual_seed seeds
        return [(p.name, p.default) for p in parameters if p.name != "generator"]

    assert arguments(getattr(init, name)) == arguments(getattr(torch.nn.init, name))


def test_an_empty_weight_is_left_as_it_is():
    for name, kwargs in FILLS:
        assert getattr(init, name)(np.zeros((0, 3, 2)), **kwargs).shape == (0, 3, 2)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: init.kaiming_uniform_(np.zeros((3, 3)), mode="fan_avg"), ValueError, "mode"),
        (lambda: init.kaiming_normal_(np.zeros((3, 3)), mode="in"), ValueError, "mode"),
        (lambda: init.kaiming_uniform_(np.zeros(5)), ValueError, "at least 2 dimensions"),
        (lambda: init.xavier_normal_(np.zeros(5)), ValueError, "at least 2 dimensions"),
        (lambda: init.calculate_fan_in_and_fan_out((5,)), ValueError, "at least 2 dimensions"),
        (lambda: init.calculate_gain("swish"), ValueError, "unsupported nonlinearity 'swish'"),
        (
            lambda: init.kaiming_normal_(np.zeros((3, 3)), nonlinearity="gelu"),
            ValueError,
            "unsupported nonlinearity",
        ),
        (lambda: init.calculate_gain("leaky_relu", True), ValueError, "negative_slope"),
        (lambda: init.calculate_gain("leaky_relu", "0.1"), ValueError, "negative_slope"),
        (lambda: init.uniform_(np.zeros((3, 3), np.int64)), TypeError, "got dtype int64"),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
