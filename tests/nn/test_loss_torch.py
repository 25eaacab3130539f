"""The loss layers against torch.nn.CrossEntropyLoss and NLLLoss (float64, 1e-9), and the
LeNet head Linear → LogSoftmax → NLLLoss end to end. Skipped without PyTorch."""

import numpy as np
import pytest

from minicnn.nn import CrossEntropyLoss, Linear, LogSoftmax, NLLLoss

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

PAIRS = {
    "CrossEntropyLoss": (CrossEntropyLoss, torch.nn.CrossEntropyLoss),
    "NLLLoss": (NLLLoss, torch.nn.NLLLoss),
}


@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(
    ("shape", "magnitude"), [((6, 10), 1.0), ((2, 4, 3, 5), 5.0), ((3, 7), 1e4)]
)
def test_losses_match_pytorch(name, reduction, shape, magnitude):
    ours_cls, theirs_cls = PAIRS[name]
    rng = np.random.default_rng(0)
    scores = rng.uniform(-magnitude, magnitude, shape)
    target = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    criterion = ours_cls(reduction=reduction)
    loss = criterion(scores, target)
    grad_out = None if reduction != "none" else rng.standard_normal(loss.shape)
    grad = criterion.backward(grad_out)

    t = torch.tensor(scores, requires_grad=True)
    torch_loss = theirs_cls(reduction=reduction)(t, torch.tensor(target))
    torch_loss.backward(None if grad_out is None else torch.tensor(grad_out))
    np.testing.assert_allclose(loss, torch_loss.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_lenet_head_matches_pytorch():
    # fc 50 → 10, log-softmax, NLL: seed 000's classifier head, parameters shared.
    rng = np.random.default_rng(1)
    fc, log_softmax, nll = Linear(50, 10), LogSoftmax(dim=1), NLLLoss()
    torch_fc = torch.nn.Linear(50, 10, dtype=torch.float64)
    for ours, theirs in zip(fc.parameters(), torch_fc.parameters()):
        ours.data = rng.standard_normal(ours.shape) / 5
        theirs.data = torch.tensor(ours.data)
    x, target = rng.standard_normal((8, 50)), rng.integers(0, 10, 8)

    loss = nll(log_softmax(fc(x)), target)
    dx = fc.backward(log_softmax.backward(nll.backward()))
    t = torch.tensor(x, requires_grad=True)
    torch_loss = torch.nn.functional.nll_loss(
        torch.log_softmax(torch_fc(t), dim=1), torch.tensor(target)
    )
    torch_loss.backward()
    np.testing.assert_allclose(loss, torch_loss.item(), rtol=1e-9)
    np.testing.assert_allclose(dx, t.grad.numpy(), rtol=1e-9, atol=1e-12)
    for ours, theirs in zip(fc.parameters(), torch_fc.parameters()):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
