"""End to end against PyTorch: a small LeNet-like network trained for several steps in float64
must follow PyTorch's weights to 1e-7 — every forward, backward and update rule at once."""

import numpy as np
import pytest

import minicnn as mc
from minicnn import nn

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _models():
    mc.manual_seed(0)
    ours = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(24, 5),
    )
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 6, 3),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(24, 5),
    ).double()
    ours.double()
    ours_state = ours.state_dict()
    theirs.load_state_dict({key: torch.tensor(value) for key, value in ours_state.items()})
    return ours, theirs


@pytest.mark.parametrize(
    "make_optimizers",
    [
        lambda ours, theirs: (
            mc.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3),
            torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3),
        ),
        lambda ours, theirs: (
            mc.optim.Adam(ours.parameters(), lr=0.01),
            torch.optim.Adam(theirs.parameters(), lr=0.01),
        ),
    ],
    ids=["sgd-momentum", "adam"],
)
def test_lenet_like_training_follows_pytorch(make_optimizers):
    ours, theirs = _models()
    optimizer, reference = make_optimizers(ours, theirs)
    rng = np.random.default_rng(1)
    criterion, torch_criterion = nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()
    for _ in range(8):
        x = rng.standard_normal((6, 1, 8, 8))
        target = rng.integers(0, 5, 6)
        optimizer.zero_grad()
        loss = criterion(ours(x), target)
        ours.backward(criterion.backward())
        optimizer.step()
        reference.zero_grad()
        torch_loss = torch_criterion(theirs(torch.tensor(x)), torch.tensor(target))
        torch_loss.backward()
        reference.step()
        np.testing.assert_allclose(float(loss), torch_loss.item(), rtol=1e-9)
    theirs_state = theirs.state_dict()
    for key, value in ours.state_dict().items():
        np.testing.assert_allclose(
            value, theirs_state[key].numpy(), rtol=1e-7, atol=1e-9, err_msg=key
        )
