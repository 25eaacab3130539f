"""Check a layer's hand-written backward pass against central finite differences.

The layer is a function ``y = f(x; θ)``. Its ``backward(v)`` claims to compute the
vector–Jacobian products ``vᵀ ∂y/∂x`` (returned) and ``vᵀ ∂y/∂θ`` (added to each ``.grad``).
Finite differences estimate the same Jacobian from forward passes alone:

    ∂y/∂t · u  ≈  (f(t + ε·u) − f(t − ε·u)) / (2ε)        (central difference, error O(ε²))

Two modes compare the two:

- ``'full'``: the whole Jacobian of every tensor (input and each parameter), one column per
  element from finite differences and one row per output element from ``backward``. Exact
  location of any error; costs one forward+backward per output element plus two forwards per
  input element, so it is for small inputs.
- ``'fast'``: random directions, as PyTorch's fast mode and Chainer's ``check_backward``: for a
  random output weighting ``v`` and a random direction ``u`` per tensor, compare the scalar
  ``vᵀ J u`` from ``backward`` (``⟨backward(v), u⟩``) with ``⟨v, (f(t+εu) − f(t−εu))/2ε⟩``.
  A wrong backward passes a random projection only by accident (probability zero). When one
  fails, the elements of that tensor are checked one by one (at most ``locate`` of them) to
  name the worst.

Everything runs in float64: the input and the parameters are copied to float64 for the check
and the parameters are restored (data, dtype and ``.grad``) afterwards.

Choosing ε and the tolerances. With ε = 1e-6 in float64 the truncation error of a central
difference is about ε²·|f‴| ≈ 1e-12 and the rounding error about 1e-16·|f|/ε ≈ 1e-10·|f|, so
finite differences are good to about 1e-9 relative for smooth layers with values of order
one. A value passes when ``|analytic − numerical| <= atol + rtol·|numerical|``, with
``atol = 1e-5`` and, unless given, ``rtol = 1e-3`` for the entries of the full Jacobian
(PyTorch's defaults) but ``rtol = 1e-6`` for random projections: a projection sums the
contributions of every element, so an error in one element is diluted by about √(size) and a
looser tolerance would let it through. Layers with kinks (ReLU at 0, ties in max pooling) must
be checked away from them: a finite difference straddling a kink measures the average of the
two one-sided slopes. Projections also allow for the rounding error of the finite difference,
16·ε_machine·Σ|v|·|y| / ε, which matters only for outputs much larger than one. The absolute
tolerance makes gradients much smaller than ``atol`` invisible: check at inputs of order one.

Before comparing, gradcheck also checks that a second backward pass adds to each ``.grad``
rather than overwriting it. Afterwards it puts the layer back as it found it: parameters
(data, dtype, ``.grad``) and every module's other attributes (caches, running statistics).
"""

from __future__ import annotations

import numpy as np

from .backend import get_array_module
from .ops.checks import check_floating_array

FULL_MODE_MAX_EVALUATIONS = 4000
DEFAULT_RTOL = {"full": 1e-3, "fast": 1e-6}


def gradcheck(
    layer,
    x,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float | None = None,
    mode: str = "auto",
    directions: int = 3,
    locate: int = 2000,
    seed: int = 0,
) -> bool:
    """Return True if ``layer.backward`` agrees with finite differences; raise otherwise.

    layer:      a ``Module`` (``layer(x)`` and ``layer.backward(grad_out)``)
    x:          the input at which to check (copied to float64; never modified)
    mode:       'full' (whole Jacobian), 'fast' (random projections) or 'auto' (full when it
                costs at most FULL_MODE_MAX_EVALUATIONS layer evaluations)
    atol, rtol: tolerances (rtol defaults to DEFAULT_RTOL[mode]; see the module docstring)
    directions: random directions per tensor in fast mode
    locate:     in fast mode, how many elements of a failing tensor to check one by one
    seed:       seeds the random output weightings and directions

    Raises ``AssertionError`` naming the tensor, the worst element and both values.
    """
    if mode not in ("auto", "full", "fast"):
        raise ValueError(f"mode must be 'auto', 'full' or 'fast', got {mode!r}")
    check_floating_array(x, "the layer's input shape")
    named = list(layer.named_parameters())
    saved_data_and_grads = [(p.data, p.grad) for _, p in named]
    saved_state = _snapshot(layer)
    try:
        for _, p in named:
            p.data = p.data.astype(np.float64, copy=True)
        tensors = [("input", x.astype(np.float64, copy=True))]
        tensors += [(f"parameter {name!r}", p.data) for name, p in named]
        check = _Check(layer, tensors, [p for _, p in named], eps, atol)
        check.accumulation()
        n_inputs = sum(t.size for _, t in tensors)
        if mode == "auto":
            cost = check.y_size + 2 * n_inputs
            mode = "full" if cost <= FULL_MODE_MAX_EVALUATIONS else "fast"
        check.rtol = DEFAULT_RTOL[mode] if rtol is None else rtol
        rng = np.random.default_rng(seed)
        if mode == "full":
            check.full_jacobian()
        else:
            check.random_projections(rng, directions, locate)
    finally:
        for (_, p), (data, grad) in zip(named, saved_data_and_grads):
            p.data, p.grad = data, grad
        _restore(saved_state)
    return True


def _snapshot(layer):
    """Every module's attributes (caches, running statistics, modes), arrays copied, and its
    buffer arrays themselves (which training forwards update in place)."""
    return [
        (
            module,
            {
                k: v.copy() if hasattr(v, "copy") and hasattr(v, "dtype") else v
                for k, v in vars(module).items()
            },
            dict(module._own_buffers()),
        )
        for module in layer.modules()
    ]


def _restore(snapshot):
    """Put every attribute back; each buffer is the same array again, holding its old values
    (so a ``state_dict()`` taken before the check still shows the module)."""
    for module, attributes, buffers in snapshot:
        vars(module).clear()
        vars(module).update(attributes)
        for name, array in buffers.items():
            array[...] = attributes[name]
            setattr(module, name, array)


class _Check:
    """The layer, the float64 tensors it depends on, and the comparisons between them.

    ``tensors[0]`` is the input; the others are the parameters' (float64) data arrays, which
    are perturbed in place and always restored exactly.
    """

    def __init__(self, layer, tensors, params, eps, atol):
        self.layer, self.tensors, self.params = layer, tensors, params
        self.eps, self.atol, self.rtol = eps, atol, None
        self.rounding = 0.0  # allowance for rounding error, set by random_projections
        self.xp = get_array_module(tensors[0][1])
        y = self.forward()
        if y.size == 0:
            raise ValueError(f"the layer's output {tuple(y.shape)} is empty: nothing to check")
        self.y_shape, self.y_size = y.shape, y.size

    def forward(self):
        """The layer's output at the current tensors, as a new array (a layer may return a view
        of its input, which the perturbations would otherwise change under our feet)."""
        y = self.layer(self.tensors[0][1])
        if y.dtype != np.float64:
            raise AssertionError(f"layer returned {y.dtype} for a float64 input")
        return y.copy()

    def backward(self, v):
        """Gradients of ⟨v, y⟩ with respect to every tensor, from the layer's backward."""
        self.forward()
        for p in self.params:
            p.grad = None
        dx = self.layer.backward(v)
        x = self.tensors[0][1]
        if tuple(dx.shape) != tuple(x.shape) or dx.dtype != np.float64:
            raise AssertionError(
                f"backward returned {dx.dtype} of shape {tuple(dx.shape)} for a float64 input "
                f"of shape {tuple(x.shape)}"
            )
        grads = [self.xp.zeros_like(p.data) if p.grad is None else p.grad for p in self.params]
        return [dx, *grads]

    def accumulation(self):
        """A second backward must add to each ``.grad``, not overwrite it."""
        v = self.xp.ones(self.y_shape)
        first = self.backward(v)[1:]
        self.forward()
        self.layer.backward(v)
        for (name, _), p, once in zip(self.tensors[1:], self.params, first):
            twice = self.xp.zeros_like(p.data) if p.grad is None else p.grad
            scale = float(self.xp.max(self.xp.abs(once))) if once.size else 0.0
            if not self.xp.allclose(twice, 2 * once, rtol=1e-9, atol=1e-9 * scale):
                raise AssertionError(
                    f"backward overwrote the gradient of {name} instead of adding to it: "
                    f"gradients must accumulate until zero_grad()"
                )

    def directional_derivative(self, t, direction):
        """(f(t + ε·direction) − f(t − ε·direction)) / 2ε, leaving t exactly as it was."""
        original = t.copy()
        t += self.eps * direction
        y_plus = self.forward()
        t[...] = original - self.eps * direction
        y_minus = self.forward()
        t[...] = original
        return (y_plus - y_minus) / (2 * self.eps)

    def full_jacobian(self):
        xp = self.xp
        analytic = [xp.empty((self.y_size, t.size)) for _, t in self.tensors]
        y_like = xp.empty(self.y_shape)
        for j in range(self.y_size):
            for rows, grad in zip(analytic, self.backward(self.unit(y_like, j))):
                rows[j] = grad.reshape(-1)
        for (name, t), a in zip(self.tensors, analytic):
            numerical = xp.empty_like(a)
            for i in range(t.size):
                numerical[:, i] = self.directional_derivative(t, self.unit(t, i)).reshape(-1)
            worst = self.worst(a, numerical)
            if worst is not None:
                (j, i), bad = worst
                where = f"d output{_index(j, self.y_shape)} / d {name}{_index(i, t.shape)}"
                self.fail(name, where, a[j, i], numerical[j, i], bad, a.size)

    def random_projections(self, rng, directions, locate):
        xp = self.xp
        v = xp.asarray(rng.standard_normal(self.y_shape))
        grads = self.backward(v)
        # Each output of f(t ± εu) carries a rounding error of a few ulps of |y|, which the
        # difference divides by ε and the projection sums with weights |v|.
        size_of_terms = float(xp.sum(xp.abs(v) * xp.abs(self.forward())))
        self.rounding = 16 * np.finfo(np.float64).eps * size_of_terms / self.eps
        for (name, t), grad in zip(self.tensors, grads):
            for _ in range(directions):
                u = xp.asarray(rng.standard_normal(t.shape))
                analytic = float(xp.sum(grad * u))
                numerical = float(xp.sum(v * self.directional_derivative(t, u)))
                if not self.close(analytic, numerical):
                    self.locate_worst(name, t, grad, v, rng, locate)
                    raise AssertionError(
                        f"gradcheck failed for {name}: along a random direction, backward "
                        f"gives vᵀJu = {analytic:.10g}, finite differences give "
                        f"{numerical:.10g} (no single element checked one by one exceeds the "
                        f"tolerance on its own)"
                    )

    def locate_worst(self, name, t, grad, v, rng, locate):
        """Check the elements of one tensor one by one (a sample of ``locate`` of them)."""
        xp = self.xp
        chosen = np.arange(t.size) if t.size <= locate else rng.choice(t.size, locate, False)
        analytic = grad.reshape(-1)[xp.asarray(chosen)]
        numerical = xp.empty(len(chosen))
        for k, i in enumerate(chosen):
            numerical[k] = xp.sum(v * self.directional_derivative(t, self.unit(t, int(i))))
        worst = self.worst(analytic, numerical)
        if worst is not None:
            (k,), bad = worst
            where = f"vᵀ d output / d {name}{_index(int(chosen[k]), t.shape)} for a random v"
            self.fail(name, where, analytic[k], numerical[k], bad, len(chosen))

    def unit(self, t, i):
        """The array shaped like ``t`` with a 1 at flat index ``i`` and 0 elsewhere."""
        e = self.xp.zeros(t.size)
        e[i] = 1.0
        return e.reshape(t.shape)

    def close(self, analytic, numerical):
        tolerance = self.atol + self.rounding + self.rtol * abs(numerical)
        return abs(analytic - numerical) <= tolerance

    def worst(self, analytic, numerical):
        """(index of the worst entry, number outside the tolerance), or None if all pass."""
        xp = self.xp
        tolerance = self.atol + self.rounding + self.rtol * xp.abs(numerical)
        excess = xp.abs(analytic - numerical) / tolerance
        index = np.unravel_index(int(xp.argmax(excess)), excess.shape)
        if float(excess[index]) <= 1.0:
            return None
        return tuple(int(i) for i in index), int(xp.sum(excess > 1.0))

    def fail(self, name, where, analytic, numerical, bad, total):
        rounding = f" + {self.rounding:.3g} for rounding" if self.rounding else ""
        raise AssertionError(
            f"gradcheck failed for {name}: {where}: backward gives {float(analytic):.10g}, "
            f"finite differences give {float(numerical):.10g} ({bad} of {total} entries "
            f"outside atol={self.atol:g} + rtol={self.rtol:g}·|numerical|{rounding})"
        )


def _index(flat_index, shape):
    return [int(i) for i in np.unravel_index(flat_index, shape)]
