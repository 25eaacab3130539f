import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.nn import Parameter
from minicnn.optim import SGD
from minicnn.optim.lr_scheduler import CosineAnnealingLR, StepLR


def _optimizer(*lrs):
    return SGD([{"params": [Parameter(np.zeros(1))], "lr": lr} for lr in lrs])


def _schedule(scheduler, epochs):
    """The rates for epochs 0..epochs, one list per epoch."""
    rates = [scheduler.get_last_lr()]
    for _ in range(epochs):
        scheduler.step()
        rates.append(scheduler.get_last_lr())
    return rates


def _cosine(t, base_lr, T_max, eta_min):
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2


def test_step_lr_by_hand():
    rates = _schedule(StepLR(_optimizer(1.0, 0.2), step_size=3, gamma=0.5), 7)
    expected = [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
    np.testing.assert_allclose(rates, [[r, 0.2 * r] for r in expected], rtol=1e-15)


def test_cosine_by_hand():
    # T_max = 4: 1, (1 + √½)/2, ½, (1 − √½)/2, 0, and back up along the same cosine
    half = math.sqrt(0.5)
    quarter = [1, (1 + half) / 2, 0.5, (1 - half) / 2, 0]
    rates = [r for (r,) in _schedule(CosineAnnealingLR(_optimizer(1.0), T_max=4), 8)]
    np.testing.assert_allclose(rates, quarter + quarter[-2::-1][:4], rtol=1e-14, atol=1e-16)


def test_cosine_with_eta_min_and_several_groups():
    rates = _schedule(CosineAnnealingLR(_optimizer(0.1, 0.5), T_max=3, eta_min=0.01), 3)
    assert rates[0] == [0.1, 0.5]
    np.testing.assert_allclose(rates[-1], [0.01, 0.01], rtol=1e-14)
    np.testing.assert_allclose(rates[1], [_cosine(1, 0.1, 3, 0.01), _cosine(1, 0.5, 3, 0.01)])


@given(st.integers(1, 20), st.floats(0.01, 1), st.floats(0, 0.009), st.integers(0, 100))
def test_cosine_follows_its_closed_form_past_t_max(T_max, base_lr, eta_min, epochs):
    rates = _schedule(CosineAnnealingLR(_optimizer(base_lr), T_max, eta_min), epochs)
    # the chainable form accumulates rounding error, about 1e-16 per step
    tolerance = 1e-12 * base_lr
    for t, (lr,) in enumerate(rates):
        assert lr == pytest.approx(_cosine(t, base_lr, T_max, eta_min), rel=0, abs=tolerance)
        assert eta_min - tolerance <= lr <= base_lr + tolerance


@given(st.integers(1, 10), st.floats(0, 1), st.floats(1e-3, 10), st.integers(0, 50))
def test_step_lr_follows_its_closed_form(step_size, gamma, base_lr, epochs):
    rates = _schedule(StepLR(_optimizer(base_lr), step_size, gamma), epochs)
    for t, (lr,) in enumerate(rates):
        assert lr == pytest.approx(base_lr * gamma ** (t // step_size), rel=1e-12, abs=1e-300)


def test_the_optimizer_steps_with_the_scheduled_rate():
    p = Parameter(np.zeros(1))
    optimizer = SGD([p], lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
    for _ in range(3):
        p.grad = np.ones(1)
        optimizer.step()
        scheduler.step()
    np.testing.assert_array_equal(p.data, [-(1 + 0.5 + 0.25)])
    assert optimizer.param_groups[0]["initial_lr"] == 1.0
    assert scheduler.base_lrs == [1.0] and scheduler.last_epoch == 3


def test_a_rate_changed_by_hand_carries_forward():
    optimizer = _optimizer(1.0)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    scheduler.step()
    optimizer.param_groups[0]["lr"] = 0.3
    scheduler.step()
    assert scheduler.get_last_lr() == [0.15]


def test_a_restored_scheduler_continues_the_schedule():
    scheduler = CosineAnnealingLR(_optimizer(1.0), T_max=7, eta_min=0.1)
    uninterrupted = _schedule(scheduler, 12)
    first = CosineAnnealingLR(_optimizer(1.0), T_max=7, eta_min=0.1)
    _schedule(first, 5)
    optimizer = _optimizer(first.optimizer.param_groups[0]["lr"])
    resumed = CosineAnnealingLR(optimizer, T_max=1)
    resumed.load_state_dict(first.state_dict())
    assert "optimizer" not in first.state_dict() and resumed.T_max == 7
    assert _schedule(resumed, 7) == uninterrupted[5:]


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda o: StepLR(o, step_size=0), ValueError, "step_size must be >= 1, got 0"),
        (lambda o: StepLR(o, step_size=2.5), TypeError, "step_size must be an int"),
        (lambda o: StepLR(o, step_size=1, gamma=-0.1), ValueError, "gamma must be >= 0"),
        (lambda o: CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be >= 1"),
        (lambda o: CosineAnnealingLR(o, T_max=True), TypeError, "T_max must be an int"),
        (lambda o: CosineAnnealingLR(o, 5, eta_min=-1), ValueError, "eta_min must be >= 0"),
        (lambda o: StepLR(o.param_groups, 1), TypeError, "needs an Optimizer, got list"),
    ],
)
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make(_optimizer(0.1))


def test_a_second_scheduler_keeps_the_initial_lr_of_the_first():
    optimizer = _optimizer(1.0)
    StepLR(optimizer, step_size=1, gamma=0.5).step()
    second = CosineAnnealingLR(optimizer, T_max=4)
    assert optimizer.param_groups[0]["lr"] == 0.5
    assert optimizer.param_groups[0]["initial_lr"] == 1.0 and second.base_lrs == [1.0]
