"""NLL and cross-entropy: a per-sample loop reference, the reductions, the softmax-minus-one-hot
gradient, stability at logits of magnitude 1e4, dtypes, no mutation, errors."""

import math

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
from minicnn.ops.softmax import log_softmax_forward, softmax_forward
from minicnn.testing import arrays

reductions = st.sampled_from(["mean", "sum", "none"])


@st.composite
def classification_problems(draw, magnitude=10.0, dtype=np.float64):
    """Scores (N, C, *d) and integer targets (N, *d) in [0, C)."""
    n, classes = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    positions = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    scores = draw(arrays((n, classes, *positions), dtype, -magnitude, magnitude))
    seed = draw(st.integers(0, 2**32 - 1))
    target = np.random.default_rng(seed).integers(0, classes, (n, *positions))
    return scores, target


def _losses_by_loop(logits, target):
    """ℓ_i = log Σ_c e^(x[i, c]) − x[i, t_i], one sample at a time (math.fsum, no NumPy)."""
    scores = np.moveaxis(logits, 1, -1).reshape(-1, logits.shape[1])  # one row per sample
    losses = []
    for row, t in zip(scores, target.reshape(-1)):
        m = max(row)
        losses.append(m + math.log(math.fsum(math.exp(v - m) for v in row)) - row[t])
    return np.array(losses).reshape(target.shape)


def _reduce(losses, reduction):
    return {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]


@given(classification_problems(magnitude=1e4), reductions)
def test_cross_entropy_matches_a_per_sample_loop(problem, reduction):
    logits, target = problem
    loss, _ = cross_entropy_forward(logits, target, reduction)
    expected = _reduce(_losses_by_loop(logits, target), reduction)
    assert np.all(np.isfinite(loss)) and loss.shape == np.shape(expected)
    np.testing.assert_allclose(loss, expected, rtol=1e-12, atol=1e-9)


@given(classification_problems(), reductions)
def test_cross_entropy_is_nll_of_log_softmax(problem, reduction):
    logits, target = problem
    log_probs, _ = log_softmax_forward(logits, dim=1)
    loss, _ = cross_entropy_forward(logits, target, reduction)
    nll, _ = nll_loss_forward(log_probs, target, reduction)
    np.testing.assert_array_equal(loss, nll)
    assert np.all(loss >= 0)


def _per_sample(g, reduction, count):
    """∂L/∂ℓ_i, broadcastable against (N, C, *d)."""
    if reduction == "none":
        return np.expand_dims(g, 1)
    return g / count if reduction == "mean" else g


def _one_hot(target, classes):
    return np.moveaxis(np.eye(classes)[target], -1, 1)  # (N, *d, C) → (N, C, *d)


@given(classification_problems(magnitude=1e4), reductions, st.data())
def test_cross_entropy_gradient_is_softmax_minus_one_hot(problem, reduction, data):
    logits, target = problem
    loss, cache = cross_entropy_forward(logits, target, reduction)
    g = data.draw(arrays(loss.shape))
    dx = cross_entropy_backward(g, cache)
    scale = _per_sample(g, reduction, target.size)
    softmax, _ = softmax_forward(logits, dim=1)
    expected = scale * (softmax - _one_hot(target, logits.shape[1]))
    np.testing.assert_allclose(dx, expected, rtol=1e-10, atol=1e-13)
    # Each sample's gradient sums to zero over the classes (softmax and one-hot both sum to 1).
    np.testing.assert_allclose(dx.sum(axis=1), 0, atol=1e-13)


@given(classification_problems(), reductions, st.data())
def test_nll_gradient_is_minus_one_hot(problem, reduction, data):
    log_probs, target = problem
    loss, cache = nll_loss_forward(log_probs, target, reduction)
    g = data.draw(arrays(loss.shape))
    dx = nll_loss_backward(g, cache)
    scale = _per_sample(g, reduction, target.size)
    np.testing.assert_array_equal(dx, -scale * _one_hot(target, log_probs.shape[1]))


@given(classification_problems())
def test_reductions_agree(problem):
    logits, target = problem
    losses, _ = cross_entropy_forward(logits, target, "none")
    total, _ = cross_entropy_forward(logits, target, "sum")
    mean, _ = cross_entropy_forward(logits, target, "mean")
    assert losses.shape == target.shape and total.shape == mean.shape == ()
    np.testing.assert_allclose(total, losses.sum(), rtol=1e-12)
    np.testing.assert_allclose(mean, total / target.size, rtol=1e-12)


def test_hand_computed_example():
    # Two equal logits: −log ½ = log 2 per sample; gradient (½ − 1, ½) / N at the target.
    loss, cache = cross_entropy_forward(np.zeros((2, 2)), np.array([0, 1]))
    np.testing.assert_allclose(loss, math.log(2), rtol=1e-15)
    np.testing.assert_allclose(
        cross_entropy_backward(np.array(1.0), cache), [[-0.25, 0.25], [0.25, -0.25]], rtol=1e-15
    )


@pytest.mark.parametrize("forward", [cross_entropy_forward, nll_loss_forward])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_float32_stays_float32_and_the_loss_is_an_array(forward, reduction):
    backward = {cross_entropy_forward: cross_entropy_backward, nll_loss_forward: nll_loss_backward}
    scores = np.array([[1e4, -1e4, 0.0], [-3.0, 0.0, 3.0]], np.float32)
    loss, cache = forward(scores, np.array([1, 2], np.int32), reduction)
    assert isinstance(loss, np.ndarray) and loss.dtype == np.float32
    assert loss.ndim == (1 if reduction == "none" else 0)
    dx = backward[forward](np.ones(loss.shape, np.float64), cache)
    assert dx.dtype == np.float32 and np.all(np.isfinite(dx))


@given(classification_problems(), reductions)
def test_never_modifies_its_arguments(problem, reduction):
    scores, target = problem
    scores_before, target_before = scores.copy(), target.copy()
    for forward, backward in [
        (cross_entropy_forward, cross_entropy_backward),
        (nll_loss_forward, nll_loss_backward),
    ]:
        loss, cache = forward(scores, target, reduction)
        g = np.ones(loss.shape)
        backward(g, cache)
        np.testing.assert_array_equal(g, 1)
    np.testing.assert_array_equal(scores, scores_before)
    np.testing.assert_array_equal(target, target_before)


@pytest.mark.parametrize(
    ("forward", "backward"),
    [(cross_entropy_forward, cross_entropy_backward), (nll_loss_forward, nll_loss_backward)],
)
def test_an_empty_batch_sums_to_zero_and_has_no_losses(forward, backward):
    scores, target = np.zeros((0, 3)), np.zeros(0, np.int64)
    loss, cache = forward(scores, target, "sum")
    assert loss.shape == () and loss == 0.0
    assert backward(np.ones(()), cache).shape == (0, 3)
    losses, cache = forward(scores, target, "none")
    assert losses.shape == (0,)
    assert backward(np.ones(0), cache).shape == (0, 3)


SCORES = np.zeros((2, 3))  # two samples, three classes


@pytest.mark.parametrize("forward", [cross_entropy_forward, nll_loss_forward])
@pytest.mark.parametrize(
    ("scores", "target", "error", "message"),
    [
        (SCORES, np.array([0.0, 1.0]), TypeError, "integer class indices, got dtype float64"),
        (SCORES, np.array([True, False]), TypeError, "integer class indices, got dtype bool"),
        (SCORES, [0, 1], TypeError, "target must be an array of class indices, got list"),
        (SCORES, np.array([0, 3]), ValueError, r"in \[0, 3\), got values from 0 to 3"),
        (SCORES, np.array([-1, 2]), ValueError, r"in \[0, 3\), got values from -1 to 2"),
        (SCORES, np.array([0, 1, 2]), ValueError, r"target must have shape \(2,\) .* got \(3,\)"),
        (np.zeros((2, 3, 4)), np.array([0, 1]), ValueError, r"target must have shape \(2, 4\)"),
        (np.zeros(3), np.array([0]), ValueError, r"expected an input \(N, C\) or \(N, C, d1"),
        (SCORES.astype(np.int64), np.array([0, 1]), TypeError, "floating-point"),
    ],
)
def test_bad_inputs_raise(forward, scores, target, error, message):
    with pytest.raises(error, match=message):
        forward(scores, target)


@pytest.mark.parametrize("forward", [cross_entropy_forward, nll_loss_forward])
def test_bad_reduction_raises(forward):
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        forward(np.zeros((2, 3)), np.array([0, 1]), "avg")


@pytest.mark.parametrize(
    ("reduction", "grad_shape", "message"),
    [
        ("mean", (1,), r"grad_out must have shape \(\), got \(1,\)"),
        ("none", (), r"grad_out must have shape \(2,\), got \(\)"),
    ],
)
def test_grad_out_of_the_wrong_shape_raises(reduction, grad_shape, message):
    _, cache = cross_entropy_forward(np.zeros((2, 3)), np.array([0, 1]), reduction)
    with pytest.raises(ValueError, match=message):
        cross_entropy_backward(np.ones(grad_shape), cache)
