"""PyTorch as an independent oracle for cross-entropy and NLL (float64, 1e-9), over (N, C) and
(N, C, d1, …) inputs, every reduction, and logits of magnitude 1e4. Skipped without it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.cross_entropy import (
    cross_entropy_backward,
    cross_entropy_forward,
    nll_loss_backward,
    nll_loss_forward,
)
from minicnn.testing import arrays

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch
F = torch.nn.functional

LOSSES = {
    "cross_entropy": (cross_entropy_forward, cross_entropy_backward, F.cross_entropy),
    "nll_loss": (nll_loss_forward, nll_loss_backward, F.nll_loss),
}


def _check_against_torch(name, scores, target, reduction, grad_out_of):
    forward, backward, torch_loss = LOSSES[name]
    loss, cache = forward(scores, target, reduction)
    grad_out = grad_out_of(loss.shape)
    d_scores = backward(grad_out, cache)
    t = torch.tensor(scores, requires_grad=True)
    torch_value = torch_loss(t, torch.tensor(target), reduction=reduction)
    torch_value.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(loss, torch_value.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(d_scores, t.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", LOSSES)
@given(
    st.integers(1, 4),
    st.integers(1, 5),
    st.lists(st.integers(1, 3), max_size=3),
    st.sampled_from(["mean", "sum", "none"]),
    st.sampled_from([1.0, 30.0, 1e4]),
    st.data(),
)
def test_losses_match_pytorch(name, n, classes, positions, reduction, magnitude, data):
    scores = data.draw(arrays((n, classes, *positions), low=-magnitude, high=magnitude))
    seed = data.draw(st.integers(0, 2**32 - 1))
    target = np.random.default_rng(seed).integers(0, classes, (n, *positions))
    _check_against_torch(name, scores, target, reduction, lambda shape: data.draw(arrays(shape)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_matches_pytorch_for_confident_wrong_logits_of_1e4(reduction):
    # Each sample's target class is scored 2e4 below the winner: a loss of about 2e4, which
    # the naive log(softmax) would turn into log(0) = −inf.
    rng = np.random.default_rng(1)
    logits = np.full((4, 10, 3), -1e4)
    target = rng.integers(0, 10, (4, 3))
    winners = (target + 1 + rng.integers(0, 9, (4, 3))) % 10
    np.put_along_axis(logits, winners[:, None], 1e4, axis=1)
    _check_against_torch("cross_entropy", logits, target, reduction, rng.standard_normal)
