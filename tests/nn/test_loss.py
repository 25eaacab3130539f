"""Loss layers: gradcheck in float64 for every reduction, the backward conventions,
LogSoftmax + NLLLoss = CrossEntropyLoss, dtypes, reprs and errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.nn import CrossEntropyLoss, LogSoftmax, Module, NLLLoss
from minicnn.testing import arrays

CRITERIA = [CrossEntropyLoss, NLLLoss]


class _LossAt(Module):
    """The loss as a function of the input alone, for a fixed target, so gradcheck can treat
    the criterion like a layer."""

    def __init__(self, criterion, target):
        super().__init__()
        self.criterion, self.target = criterion, target

    def forward(self, x):
        return self.criterion(x, self.target)

    def backward(self, grad_out):
        return self.criterion.backward(grad_out)


@st.composite
def classification_problems(draw):
    """Scores (N, C, *d) in [-3, 3) and integer targets (N, *d) in [0, C)."""
    n, classes = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    positions = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    scores = draw(arrays((n, classes, *positions), low=-3, high=3))
    seed = draw(st.integers(0, 2**32 - 1))
    return scores, np.random.default_rng(seed).integers(0, classes, (n, *positions))


@pytest.mark.parametrize("cls", CRITERIA)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@given(problem=classification_problems())
def test_losses_pass_gradcheck(cls, reduction, problem):
    scores, target = problem
    assert mc.gradcheck(_LossAt(cls(reduction=reduction), target), scores)


@pytest.mark.parametrize("cls", CRITERIA)
def test_loss_is_a_zero_d_array_and_backward_defaults_to_one(cls):
    scores = np.log(np.full((4, 3), 1 / 3, np.float32))  # uniform log-probabilities
    criterion = cls()
    loss = criterion(scores, np.array([0, 1, 2, 0]))
    assert isinstance(loss, np.ndarray) and loss.shape == () and loss.dtype == np.float32
    np.testing.assert_allclose(loss, np.log(3), rtol=1e-6)  # both losses agree on log-probs
    grad = criterion.backward()
    assert grad.shape == scores.shape and grad.dtype == np.float32
    np.testing.assert_allclose(criterion.backward(np.array(2.0)), 2 * grad, rtol=1e-6)
    np.testing.assert_allclose(criterion.backward(2.0), 2 * grad, rtol=1e-6)


def test_log_softmax_then_nll_loss_is_cross_entropy():
    # The LeNet head: LogSoftmax(dim=1) + NLLLoss, against CrossEntropyLoss on the logits.
    rng = np.random.default_rng(0)
    logits, target = rng.standard_normal((5, 10)), rng.integers(0, 10, 5)
    log_softmax, nll, cross_entropy = LogSoftmax(dim=1), NLLLoss(), CrossEntropyLoss()
    np.testing.assert_allclose(nll(log_softmax(logits), target), cross_entropy(logits, target))
    np.testing.assert_allclose(
        log_softmax.backward(nll.backward()), cross_entropy.backward(), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("cls", CRITERIA)
def test_reduction_none_gives_per_sample_losses_and_needs_grad_out(cls):
    rng = np.random.default_rng(1)
    scores, target = rng.standard_normal((2, 3, 4)), rng.integers(0, 3, (2, 4))
    criterion = cls(reduction="none")
    losses = criterion(scores, target)
    assert losses.shape == (2, 4)
    np.testing.assert_allclose(losses.mean(), cls()(scores, target), rtol=1e-12)
    with pytest.raises(ValueError, match="grad_out is required when reduction='none'"):
        criterion.backward()
    assert criterion.backward(np.ones((2, 4))).shape == scores.shape


@pytest.mark.parametrize("cls", CRITERIA)
def test_never_modifies_its_arguments(cls):
    scores, target = np.zeros((2, 3)), np.array([2, 0])
    criterion = cls()
    criterion(scores, target)
    criterion.backward()
    np.testing.assert_array_equal(scores, 0)
    np.testing.assert_array_equal(target, [2, 0])


def test_repr():
    assert repr(CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(NLLLoss(reduction="sum")) == "NLLLoss(reduction='sum')"
    assert CrossEntropyLoss().parameters() == []


@pytest.mark.parametrize("cls", CRITERIA)
def test_the_first_argument_is_pytorchs_class_weight_and_is_refused(cls):
    # CrossEntropyLoss(weight=None, size_average, ignore_index, reduce, reduction, ...)
    for weight in (np.array([1.0, 2.0, 3.0]), "sum"):
        with pytest.raises(ValueError, match=r"does not support class weights, got weight="):
            cls(weight)
    with pytest.raises(TypeError):
        cls(None, "sum")  # reduction is keyword-only
    assert cls(None, reduction="sum").reduction == "sum"


@pytest.mark.parametrize("cls", CRITERIA)
def test_bad_reduction_raises_at_construction(cls):
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none'"):
        cls(reduction="average")


@pytest.mark.parametrize("cls", CRITERIA)
@pytest.mark.parametrize(
    ("scores", "target", "error", "message"),
    [
        (np.zeros((2, 3)), np.array([0.0, 1.0]), TypeError, "integer class indices"),
        (np.zeros((2, 3)), np.array([0, 3]), ValueError, r"class indices in \[0, 3\)"),
        (np.zeros((2, 3)), np.array([[0, 1]]), ValueError, r"target must have shape \(2,\)"),
        (np.zeros(3), np.array([0]), ValueError, "the batch axis is required"),
    ],
)
def test_bad_inputs_raise_at_call(cls, scores, target, error, message):
    with pytest.raises(error, match=message):
        cls()(scores, target)


@pytest.mark.parametrize("cls", CRITERIA)
def test_backward_before_forward_and_bad_grad_out(cls):
    criterion = cls()
    with pytest.raises(RuntimeError, match=r"backward\(\) called before forward\(\)"):
        criterion.backward()
    criterion(np.zeros((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"grad_out must have shape \(\), got \(2,\)"):
        criterion.backward(np.ones(2))
