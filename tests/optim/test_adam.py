import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays as np_arrays

from minicnn.nn import Parameter
from minicnn.optim import Adam, AdamW

P0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.5, -2.0, 0.0])
G2 = np.array([1.5, 1.0, 3.0])


def _run(optimizer_class, gradients, data=P0, **hyperparameters):
    p = Parameter(data.copy())
    optimizer = optimizer_class([p], **hyperparameters)
    for grad in gradients:
        p.grad = grad.copy()
        optimizer.step()
    return p, optimizer


def _adam_step(p, m, v, g, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step written from the formula: returns (p, m, v)."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def test_first_step_moves_each_element_by_lr_against_the_gradient_sign():
    # m̂ = g and v̂ = g² after one step, so the step is lr·g / (|g| + ε); an element with
    # zero gradient does not move.
    p, _ = _run(Adam, [G1], lr=0.1)
    np.testing.assert_allclose(p.data, P0 - 0.1 * G1 / (np.abs(G1) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(p.data, [0.9, -1.9, 0.5], rtol=1e-7)


def test_two_steps_with_bias_correction():
    p1, m1, v1 = _adam_step(P0, 0.0, 0.0, G1, 1, lr=0.1)
    p2, m2, v2 = _adam_step(p1, m1, v1, G2, 2, lr=0.1)
    p, optimizer = _run(Adam, [G1, G2], lr=0.1)
    np.testing.assert_allclose(p.data, p2, rtol=1e-14)
    state = optimizer.state[p]
    assert state["step"] == 2
    np.testing.assert_allclose(state["exp_avg"], m2, rtol=1e-14)
    np.testing.assert_allclose(state["exp_avg_sq"], v2, rtol=1e-14)


def test_other_betas_and_eps():
    hyper = dict(beta1=0.5, beta2=0.75, eps=0.1)
    p1, m1, v1 = _adam_step(P0, 0.0, 0.0, G1, 1, lr=0.2, **hyper)
    p2, _, _ = _adam_step(p1, m1, v1, G2, 2, lr=0.2, **hyper)
    p, _ = _run(Adam, [G1, G2], lr=0.2, betas=(0.5, 0.75), eps=0.1)
    np.testing.assert_allclose(p.data, p2, rtol=1e-14)


def test_adam_weight_decay_is_added_to_the_gradient():
    p1, m1, v1 = _adam_step(P0, 0.0, 0.0, G1 + 0.1 * P0, 1, lr=0.1)
    p2, _, _ = _adam_step(p1, m1, v1, G2 + 0.1 * p1, 2, lr=0.1)
    p, _ = _run(Adam, [G1, G2], lr=0.1, weight_decay=0.1)
    np.testing.assert_allclose(p.data, p2, rtol=1e-14)


def test_adamw_decays_the_weights_directly():
    # p ← p·(1 − lr·wd) first, then the Adam step with the plain gradient
    p1, m1, v1 = _adam_step(P0 * (1 - 0.1 * 0.5), 0.0, 0.0, G1, 1, lr=0.1)
    p2, _, _ = _adam_step(p1 * (1 - 0.1 * 0.5), m1, v1, G2, 2, lr=0.1)
    p, _ = _run(AdamW, [G1, G2], lr=0.1, weight_decay=0.5)
    np.testing.assert_allclose(p.data, p2, rtol=1e-14)


def test_adamw_default_weight_decay_is_pytorchs():
    _, optimizer = _run(AdamW, [])
    assert optimizer.param_groups[0]["weight_decay"] == 1e-2
    assert optimizer.param_groups[0]["decoupled_weight_decay"] is True


def test_amsgrad_normalises_by_the_largest_second_moment():
    # a large gradient then a small one: v₂ = 0.999·v₁ + 0.001·g₂² < v₁, so step 2 divides
    # by √v₁ (bias-corrected with step 2's factor), not by √v₂.
    g1, g2 = np.array([10.0]), np.array([0.1])
    m1, v1 = 0.1 * g1, 0.001 * g1**2
    p1 = 1.0 - 0.1 * g1 / (np.abs(g1) + 1e-8)
    m2, v2 = 0.9 * m1 + 0.1 * g2, 0.999 * v1 + 0.001 * g2**2
    assert v2 < v1
    p2 = p1 - 0.1 / (1 - 0.9**2) * m2 / (np.sqrt(v1) / np.sqrt(1 - 0.999**2) + 1e-8)
    p = Parameter(np.array([1.0]))
    optimizer = Adam([p], lr=0.1, amsgrad=True)
    for g in (g1, g2):
        p.grad = g
        optimizer.step()
    np.testing.assert_allclose(p.data, p2, rtol=1e-14)
    np.testing.assert_allclose(optimizer.state[p]["max_exp_avg_sq"], v1, rtol=1e-14)


def test_parameters_without_gradient_are_skipped_and_keep_no_state():
    with_grad, without = Parameter(P0.copy()), Parameter(P0.copy())
    optimizer = Adam([with_grad, without], lr=0.1, weight_decay=0.1)
    with_grad.grad = G1.copy()
    optimizer.step()
    np.testing.assert_array_equal(without.data, P0)
    assert list(optimizer.state) == [with_grad]
    without.grad = G2.copy()
    optimizer.step()
    assert optimizer.state[with_grad]["step"] == 2 and optimizer.state[without]["step"] == 1


finite = st.floats(-10, 10, allow_nan=False, width=32)
vectors = np_arrays(np.float64, st.integers(1, 6), elements=finite)


@given(vectors, st.floats(1e-4, 1), st.integers(1, 4), st.booleans())
def test_zero_gradient_without_weight_decay_changes_nothing(data, lr, steps, amsgrad):
    p = Parameter(data.copy())
    optimizer = Adam([p], lr=lr, amsgrad=amsgrad)
    for _ in range(steps):
        p.grad = np.zeros_like(data)
        optimizer.step()
    np.testing.assert_array_equal(p.data, data)


@given(vectors, st.floats(1e-4, 1), st.floats(0, 1))
def test_adamw_with_zero_gradient_only_shrinks_the_weights(data, lr, weight_decay):
    p = Parameter(data.copy())
    p.grad = np.zeros_like(data)
    AdamW([p], lr=lr, weight_decay=weight_decay).step()
    np.testing.assert_array_equal(p.data, data * (1 - lr * weight_decay))


@given(vectors, vectors, st.floats(1e-3, 1e3), st.floats(1e-4, 1))
def test_step_does_not_depend_on_the_gradients_scale(data, grad, scale, lr):
    # with eps = 0, m / √v is unchanged when every gradient is multiplied by scale > 0
    grad = np.resize(grad, data.shape)
    grad[grad == 0] = 1.0
    gradients = [grad, -(grad**2)]
    p, _ = _run(Adam, gradients, data, lr=lr, eps=0.0)
    scaled, _ = _run(Adam, [scale * g for g in gradients], data, lr=lr, eps=0.0)
    np.testing.assert_allclose(scaled.data, p.data, rtol=1e-12, atol=1e-12)
    assert not np.array_equal(p.data, data)


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW])
@given(amsgrad=st.booleans(), lr=st.floats(1e-4, 1))
def test_float32_stays_float32(optimizer_class, amsgrad, lr):
    p = Parameter(P0.astype(np.float32))
    optimizer = optimizer_class(
        [p], lr=np.float64(lr), betas=(np.float64(0.9), 0.99), weight_decay=0.1, amsgrad=amsgrad
    )
    for grad in (G1, G2):
        p.grad = grad.copy()  # float64: must not promote the parameter or its state
        optimizer.step()
    assert p.data.dtype == np.float32
    arrays = [value for value in optimizer.state[p].values() if isinstance(value, np.ndarray)]
    assert len(arrays) == 2 + amsgrad
    assert all(array.dtype == np.float32 for array in arrays)


@pytest.mark.parametrize("optimizer_class", [Adam, AdamW])
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(lr=-1e-3), ValueError, "lr must be >= 0, got -0.001"),
        (dict(eps=-1e-8), ValueError, "eps must be >= 0"),
        (dict(weight_decay=-0.1), ValueError, "weight_decay must be >= 0"),
        (dict(betas=(1.0, 0.999)), ValueError, r"betas\[0\] must be in \[0, 1\), got 1.0"),
        (dict(betas=(0.9, -0.1)), ValueError, r"betas\[1\] must be in \[0, 1\)"),
        (dict(betas=(0.9, float("nan"))), ValueError, r"betas\[1\] must be in \[0, 1\)"),
        (dict(betas=(0.9, "0.99")), TypeError, r"betas\[1\] must be a real number"),
        (dict(betas=0.9), TypeError, r"betas must be a pair \(beta1, beta2\)"),
    ],
)
def test_bad_hyperparameters(optimizer_class, kwargs, error, message):
    with pytest.raises(error, match=message):
        optimizer_class([Parameter(P0.copy())], **kwargs)
