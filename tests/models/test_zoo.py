import numpy as np
import pytest

import minicnn as mc
from minicnn import models


@pytest.mark.parametrize("name", [name for name in models.MODELS if name != "vgg16"])
def test_every_model_runs_forward_and_backward(name):
    shape = models.default_input_shape(name)
    mc.manual_seed(0)
    model = models.create(name, shape, 7)
    x = np.random.default_rng(0).standard_normal((2, *shape)).astype(np.float32)
    y = model(x)
    assert y.shape == (2, 7) and y.dtype == np.float32
    dx = model.backward(np.ones_like(y))
    assert dx.shape == x.shape and dx.dtype == np.float32
    assert all(p.grad is not None and p.grad.dtype == np.float32 for p in model.parameters())


def test_lenet_has_the_seeds_shapes_and_parameter_count():
    model = models.create("lenet", (1, 28, 28), 10)
    # conv1 10·25+10, conv2 20·250+20, fc1 320·50+50, fc2 50·10+10 (PyTorch's MNIST example)
    assert sum(p.data.size for p in model.parameters()) == 260 + 5020 + 16050 + 510
    assert isinstance(model[-1], mc.nn.LogSoftmax)


def test_lenet_gradients_pass_gradcheck_in_eval_mode():
    model = models.create("lenet", (1, 28, 28), 10).eval()  # dropout off: deterministic
    x = np.random.default_rng(1).standard_normal((1, 1, 28, 28))
    assert mc.gradcheck(model, x, mode="fast")


def test_resnet_and_densenet_blocks_pass_gradcheck():
    x = np.random.default_rng(2).standard_normal((2, 4, 6, 6))
    block = models.resnet.basic_block(4, 6, stride=2)
    assert mc.gradcheck(block, x, mode="fast")
    assert mc.gradcheck(models.densenet.dense_layer(4, 3), x, mode="fast")


def test_inception_block_joins_four_branches():
    block = models.googlenet.inception(3, 2, 2, 4, 1, 2, 3)
    y = block(np.zeros((1, 3, 8, 8), np.float32))
    assert y.shape == (1, 2 + 4 + 2 + 3, 8, 8)


def test_create_checks_the_input():
    with pytest.raises(
        ValueError, match=r"model 'lenet' takes 28×28 inputs, got input shape \(1, 8, 8\)"
    ):
        models.create("lenet", (1, 8, 8), 10)
    with pytest.raises(ValueError, match="takes 3-d volumes"):
        models.create("volume-cnn", (1, 28, 28), 4)
    with pytest.raises(ValueError, match="unknown model 'lenet5'"):
        models.create("lenet5", (1, 28, 28), 10)


def _layers(model):
    """The top-level layers of ``model``, dropout with its probability."""
    return " ".join(
        type(m).__name__ + (f"({m.p})" if isinstance(m, mc.nn.Dropout) else "") for m in model
    )


@pytest.mark.parametrize(
    ("name", "layers"),
    [
        (
            "lenet",
            "Conv2d MaxPool2d ReLU Conv2d Dropout2d(0.5) MaxPool2d ReLU Flatten Linear ReLU "
            "Dropout(0.5) Linear LogSoftmax",
        ),
        ("fashion-dnn", "Flatten Linear ReLU Dropout(0.25) Linear ReLU Linear"),
        (
            "fashion-cnn",
            "Conv2d BatchNorm2d ReLU MaxPool2d Conv2d BatchNorm2d ReLU MaxPool2d Flatten Linear "
            "Dropout(0.25) Linear Linear",
        ),
        ("mnist1d-cnn", "Conv1d ReLU Conv1d ReLU Conv1d ReLU Flatten Linear"),
        (
            "sign-language",
            "Conv2d ReLU BatchNorm2d MaxPool2d Conv2d ReLU Dropout(0.2) BatchNorm2d MaxPool2d "
            "Conv2d ReLU BatchNorm2d MaxPool2d Flatten Linear ReLU Dropout(0.3) Linear",
        ),
    ],
)
def test_seed_networks_have_their_layers_in_order(name, layers):
    assert _layers(models.create(name, models.default_input_shape(name), 10)) == layers


def test_pooling_kinds_of_the_inception_and_transition_blocks():
    def kinds(model):
        return [type(m).__name__ for _, m in model.named_modules()]

    pool_branch = kinds(models.googlenet.inception(3, 2, 2, 4, 1, 2, 3))
    assert pool_branch.count("MaxPool2d") == 1 and "AvgPool2d" not in pool_branch
    transition = kinds(mc.nn.Sequential(*models.densenet.transition(8, 4)))
    assert transition == ["Sequential", "BatchNorm2d", "ReLU", "Conv2d", "AvgPool2d"]


def test_a_block_that_widens_without_striding_projects_its_shortcut_and_ends_in_relu():
    block = models.resnet.basic_block(4, 6)
    y = block(np.random.default_rng(3).standard_normal((2, 4, 6, 6)).astype(np.float32))
    assert y.shape == (2, 6, 6, 6) and y.min() == 0


def test_default_input_shapes():
    names = ["lenet", "mnist1d-cnn", "alexnet", "vgg16", "volume-cnn"]
    assert [models.default_input_shape(name) for name in names] == [
        (1, 28, 28),
        (1, 40),
        (1, 28, 28),
        (3, 224, 224),
        (1, 12, 12, 12),
    ]
