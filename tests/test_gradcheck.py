import numpy as np
import pytest

import minicnn as mc
from minicnn.gradcheck import FULL_MODE_MAX_EVALUATIONS
from minicnn.nn import Conv2d, Module


class PlantedConv(Conv2d):
    """A Conv2d whose backward is wrong in one place, chosen by ``where``."""

    def __init__(self, where):
        super().__init__(2, 3, 3, padding=1)
        self.where = where

    def backward(self, grad_out):
        dx = super().backward(grad_out)
        if self.where == "input":
            dx = dx.copy()
            dx[1, 0, 2, 3] *= 1.01
        elif self.where == "weight":
            self.weight.grad[2, 1, 0, 2] += 1e-3
        elif self.where == "bias":
            self.bias.accumulate_grad(np.full(self.bias.shape, 1e-3))
        return dx


class Square(Module):
    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, grad_out):
        return 2 * self.x * grad_out


def _x(shape=(2, 2, 5, 5), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_passes_a_correct_layer(mode):
    assert mc.gradcheck(Conv2d(2, 3, 3, padding=1), _x(), mode=mode)
    assert mc.gradcheck(Square(), _x((3, 4)), mode=mode)


@pytest.mark.parametrize("mode", ["full", "fast"])
@pytest.mark.parametrize(
    ("where", "named"),
    [
        ("input", r"input.*\[1, 0, 2, 3\]"),
        ("weight", r"parameter 'weight'.*\[2, 1, 0, 2\]"),
        ("bias", r"parameter 'bias'"),
    ],
)
def test_names_the_tensor_and_element_of_a_planted_error(mode, where, named):
    with pytest.raises(AssertionError, match="gradcheck failed for " + named) as failure:
        mc.gradcheck(PlantedConv(where), _x(), mode=mode)
    assert "backward gives" in str(failure.value) and "finite differences give" in str(
        failure.value
    )


def test_full_mode_reports_both_values_of_the_worst_entry():
    layer = PlantedConv("input")
    with pytest.raises(AssertionError, match="gradcheck failed for input") as failure:
        mc.gradcheck(layer, _x(), mode="full")
    message = str(failure.value)
    # d output[n, c, h, w] / d input[1, 0, 2, 3]: the output element is named too.
    assert "d output[1, " in message and "/ d input[1, 0, 2, 3]" in message


def test_fast_mode_handles_a_large_input():
    layer = Conv2d(4, 8, 3, padding=1)
    x = _x((4, 4, 16, 16))
    assert mc.gradcheck(layer, x, mode="fast")
    with pytest.raises(AssertionError, match="gradcheck failed for input"):
        mc.gradcheck(PlantedConv("input"), _x((2, 2, 16, 16)), mode="fast")


def test_restores_the_layer_and_leaves_the_input_alone():
    layer = Conv2d(2, 3, 3, padding=1)
    x = _x().astype(np.float32)
    x_before = x.copy()
    weight, bias = layer.weight.data, layer.bias.data
    layer(x)
    layer.backward(np.ones((2, 3, 5, 5), np.float32))
    grad = layer.weight.grad
    mc.gradcheck(layer, x)
    assert layer.weight.data is weight and layer.bias.data is bias
    assert layer.weight.grad is grad
    np.testing.assert_array_equal(x, x_before)
    with pytest.raises(AssertionError, match="gradcheck failed for parameter 'weight'"):
        mc.gradcheck(PlantedConv("weight"), x)
    planted = PlantedConv("bias")
    planted_weight = planted.weight.data
    with pytest.raises(AssertionError, match="gradcheck failed for parameter 'bias'"):
        mc.gradcheck(planted, x)
    assert planted.weight.data is planted_weight and planted.weight.dtype == np.float32


def test_auto_mode_switches_to_random_projections_for_large_inputs():
    class CountingSquare(Square):
        calls = 0

        def forward(self, x):
            CountingSquare.calls += 1
            return super().forward(x)

    assert mc.gradcheck(CountingSquare(), _x((2 * FULL_MODE_MAX_EVALUATIONS,)))
    assert CountingSquare.calls < 100  # fast mode: a few forwards per direction


def test_rejects_a_layer_that_leaks_float32():
    class Float32Square(Square):
        def forward(self, x):
            return super().forward(x).astype(np.float32)

    with pytest.raises(AssertionError, match="layer returned float32 for a float64 input"):
        mc.gradcheck(Float32Square(), _x((3,)))


def test_rejects_a_backward_of_the_wrong_shape():
    class Flattening(Square):
        def backward(self, grad_out):
            return super().backward(grad_out).reshape(-1)

    with pytest.raises(AssertionError, match=r"backward returned float64 of shape \(12,\)"):
        mc.gradcheck(Flattening(), _x((3, 4)))


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode must be 'auto', 'full' or 'fast'"):
        mc.gradcheck(Square(), _x((3,)), mode="exact")
    with pytest.raises(TypeError, match="floating-point array, got dtype int64"):
        mc.gradcheck(Square(), np.arange(3))
    with pytest.raises(TypeError, match="got list"):
        mc.gradcheck(Square(), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"output \(0, 2, 3, 3\) is empty"):
        mc.gradcheck(Conv2d(1, 2, 3), np.zeros((0, 1, 5, 5)))


def test_catches_a_backward_that_overwrites_instead_of_accumulating():
    class Overwriting(Conv2d):
        def backward(self, grad_out):
            self.weight.grad = None
            return super().backward(grad_out)

    with pytest.raises(AssertionError, match="overwrote the gradient of parameter 'weight'"):
        mc.gradcheck(Overwriting(1, 1, 2), _x((1, 1, 3, 3)))


def test_passes_a_layer_that_returns_a_view_of_its_input():
    class Flatten(Module):
        def forward(self, x):
            self.shape = x.shape
            return x.reshape(len(x), -1)

        def backward(self, grad_out):
            return grad_out.reshape(self.shape)

    assert mc.gradcheck(Flatten(), _x((2, 3, 2)), mode="full")
    assert mc.gradcheck(Flatten(), _x((2, 3, 2)), mode="fast")


def test_puts_the_layers_cache_back():
    layer = Conv2d(2, 3, 3)
    x = _x().astype(np.float32)
    y = layer(x)
    mc.gradcheck(layer, _x((1, 2, 4, 4), seed=1))
    dx = layer.backward(np.ones_like(y))  # still the backward of the forward at x
    assert dx.shape == x.shape and dx.dtype == np.float32
    reference = Conv2d(2, 3, 3)
    reference.weight.data, reference.bias.data = layer.weight.data, layer.bias.data
    reference(x)
    np.testing.assert_array_equal(dx, reference.backward(np.ones_like(y)))


def test_puts_the_running_statistics_back_into_their_own_arrays():
    layer = mc.nn.BatchNorm2d(2)
    layer(_x((4, 2, 3, 3)).astype(np.float32))  # running statistics away from their start
    state = layer.state_dict()
    before = {key: array.copy() for key, array in state.items()}
    assert mc.gradcheck(layer, _x((4, 2, 3, 3), seed=1))  # training forwards update them
    for key, array in layer.state_dict().items():
        assert array is state[key], key  # the same arrays, which an earlier state dict holds
        np.testing.assert_array_equal(array, before[key], err_msg=key)


@pytest.mark.parametrize("mode", ["full", "fast"])
def test_central_differences_are_exact_for_a_steep_quadratic(mode):
    # y = 100·x² at x = 0: backward gives 0, and so does a central difference; a one-sided
    # difference would give 100·ε = 1e-4, ten times atol.
    class SteepSquare(Square):
        def forward(self, x):
            return 100 * super().forward(x)

        def backward(self, grad_out):
            return 100 * super().backward(grad_out)

    assert mc.gradcheck(SteepSquare(), np.zeros((2, 3)), mode=mode)


def test_auto_mode_checks_the_full_jacobian_of_a_small_layer():
    # full mode names the output element too; fast mode only "vᵀ d output / d input[...]"
    with pytest.raises(AssertionError, match=r"d output\[1, .*\] / d input\[1, 0, 2, 3\]"):
        mc.gradcheck(PlantedConv("input"), _x())


def test_leaves_a_float64_input_alone_even_if_the_layer_writes_into_it():
    class InPlaceDouble(Module):
        def forward(self, x):
            x *= 2  # a careless layer that scales its input in place
            return x.copy()

        def backward(self, grad_out):
            return 2 * grad_out

    x = _x((2, 3))
    x_before = x.copy()
    assert mc.gradcheck(InPlaceDouble(), x)
    np.testing.assert_array_equal(x, x_before)
