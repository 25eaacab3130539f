import numpy as np
import pytest

import minicnn as mc
from minicnn.nn import BatchNorm2d, Concat, Conv2d, MaxPool2d, Residual, Sequential


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_sequential_is_iterable_indexable_and_chains_backward():
    first, second = Conv2d(1, 2, 3), Conv2d(2, 1, 1)
    model = Sequential(first, second)
    assert len(model) == 2 and list(model) == [first, second] and model[1] is second
    assert model[-1] is second
    assert isinstance(model[:1], Sequential) and model[:1][0] is first
    x = _x((2, 1, 5, 5))
    y = model(x)
    np.testing.assert_array_equal(y, second(first(x)))
    dx = model.backward(np.ones_like(y))
    first.zero_grad()
    second.zero_grad()
    model(x)
    np.testing.assert_allclose(dx, first.backward(second.backward(np.ones_like(y))), rtol=1e-12)
    assert [name for name, _ in model.named_parameters()] == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
    ]


def test_sequential_with_batchnorm_and_pooling_passes_gradcheck():
    model = Sequential(Conv2d(2, 3, 3, padding=1), BatchNorm2d(3), MaxPool2d(2))
    x = _x((2, 2, 4, 4)) + np.arange(64).reshape(2, 2, 4, 4)  # no ties after the conv
    assert mc.gradcheck(model, x, mode="fast")


def test_residual_identity_and_projection():
    body = Sequential(Conv2d(2, 2, 3, padding=1), BatchNorm2d(2))
    block = Residual(body)
    x = _x((2, 2, 4, 4))
    assert mc.gradcheck(block, x)
    # ResNet's projection shortcut: 1×1 conv (stride 2) + BatchNorm when the shape changes.
    projected = Residual(
        Sequential(Conv2d(2, 4, 3, stride=2, padding=1), BatchNorm2d(4)),
        Sequential(Conv2d(2, 4, 1, stride=2), BatchNorm2d(4)),
    )
    assert projected(x).shape == (2, 4, 2, 2)
    assert mc.gradcheck(projected, x)
    assert len(projected.parameters()) == 8


def test_identity_residual_gradient_adds_the_skip():
    block = Residual(Conv2d(1, 1, 1, bias=False))
    block.body.weight.data = np.full((1, 1, 1, 1), 3.0)
    x = _x((1, 1, 2, 2))
    np.testing.assert_allclose(block(x), 4 * x)
    np.testing.assert_allclose(block.backward(np.ones_like(x)), 4.0)


def test_concat_joins_branches_on_channels_like_inception():
    branches = Concat(Conv2d(3, 2, 1), Conv2d(3, 4, 3, padding=1), MaxPool2d(3, 1, 1))
    x = _x((2, 3, 4, 4)) + np.arange(96).reshape(2, 3, 4, 4)
    y = branches(x)
    assert y.shape == (2, 2 + 4 + 3, 4, 4)
    conv = next(branches.children())
    np.testing.assert_array_equal(y[:, :2], conv(x))
    assert mc.gradcheck(branches, x, mode="fast")


def test_concat_on_another_dim():
    branches = Concat(Conv2d(1, 1, 1), Conv2d(1, 1, 1), dim=3)
    x = _x((1, 1, 2, 3))
    assert branches(x).shape == (1, 1, 2, 6)
    assert mc.gradcheck(branches, x)


def test_errors():
    with pytest.raises(TypeError, match="Sequential takes Modules, got function at position 1"):
        Sequential(Conv2d(1, 1, 1), lambda x: x)
    with pytest.raises(ValueError, match="use a projection shortcut"):
        Residual(Conv2d(1, 2, 1))(_x((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="cannot join branch outputs"):
        Concat(Conv2d(1, 1, 1), Conv2d(1, 1, 2))(_x((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="at least one branch"):
        Concat()
    with pytest.raises(RuntimeError, match="before forward"):
        Concat(Conv2d(1, 1, 1)).backward(_x((1, 1, 1, 1)))
