"""PyTorch as an oracle for max and average pooling (float64, 1e-9). Skipped without it."""

from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from minicnn.ops import pool_compiled
from minicnn.ops.global_pool import global_max_pool_backward, global_max_pool_forward
from minicnn.ops.pool import (
    avg_pool_backward,
    avg_pool_forward,
    max_pool_backward,
    max_pool_forward,
)
from minicnn.testing import arrays, distinct_arrays, pool_configs

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _torch(function, x, grad_out, **kwargs):
    xt = torch.tensor(x, requires_grad=True)
    y = function(xt, **kwargs)
    y.backward(torch.tensor(grad_out))
    return y.detach().numpy(), xt.grad.numpy()


@given(config=pool_configs(max_extra_size=6), data=st.data())
def test_max_pool_matches_pytorch(config, data):
    x = data.draw(distinct_arrays(config.input_shape))
    y, cache = max_pool_forward(x, **config.hyperparameters())
    grad_out = data.draw(arrays(y.shape))
    function = getattr(torch.nn.functional, f"max_pool{config.ndim}d")
    torch_y, torch_dx = _torch(function, x, grad_out, **config.hyperparameters())
    np.testing.assert_allclose(y, torch_y, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(max_pool_backward(grad_out, cache), torch_dx, rtol=1e-9, atol=1e-9)


@given(config=pool_configs(max_extra_size=6), data=st.data())
def test_avg_pool_matches_pytorch(config, data):
    # PyTorch's avg_pool3d (unlike 1d and 2d) refuses inputs smaller than the kernel before
    # padding, although the padded input holds the window.
    assume(config.ndim < 3 or all(s >= k for s, k in zip(config.spatial, config.kernel_size)))
    x = data.draw(arrays(config.input_shape))
    hyper = dict(config.hyperparameters(), count_include_pad=config.count_include_pad)
    y, cache = avg_pool_forward(x, **hyper)
    grad_out = data.draw(arrays(y.shape))
    function = getattr(torch.nn.functional, f"avg_pool{config.ndim}d")
    torch_y, torch_dx = _torch(function, x, grad_out, **hyper)
    np.testing.assert_allclose(y, torch_y, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(avg_pool_backward(grad_out, cache), torch_dx, rtol=1e-9, atol=1e-9)


def test_max_pool_ties_match_pytorch():
    x = np.round(np.random.default_rng(0).standard_normal((2, 2, 6, 6)))  # many ties
    y, cache = max_pool_forward(x, 3, 2, 1, True)
    grad_out = np.random.default_rng(1).standard_normal(y.shape)
    torch_y, torch_dx = _torch(
        torch.nn.functional.max_pool2d,
        x,
        grad_out,
        kernel_size=3,
        stride=2,
        padding=1,
        ceil_mode=True,
    )
    np.testing.assert_array_equal(y, torch_y)
    np.testing.assert_allclose(max_pool_backward(grad_out, cache), torch_dx, rtol=1e-12)


@pytest.mark.parametrize("path", ["compiled", "numpy"])
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_max_pool_sends_the_gradient_to_the_last_nan_as_pytorch(path, ndim):
    rng = np.random.default_rng(ndim)
    x = rng.standard_normal((2, 3, *[5] * ndim))
    x[rng.random(x.shape) < 0.3] = np.nan  # windows with none, one and several NaNs
    hyper = dict(kernel_size=3, stride=2, padding=1)
    compiled = mock.patch.object(pool_compiled, "supports", return_value=path == "compiled")
    with compiled:
        y, cache = max_pool_forward(x, **hyper)
        grad_out = rng.standard_normal(y.shape)
        dx = max_pool_backward(grad_out, cache)
    function = getattr(torch.nn.functional, f"max_pool{ndim}d")
    torch_y, torch_dx = _torch(function, x, grad_out, **hyper)
    assert 0 < np.isnan(y).mean() < 1
    np.testing.assert_array_equal(y, torch_y)  # NaNs in the same places
    # the same winners: equal up to the order in which overlapping windows' gradients add
    np.testing.assert_allclose(dx, torch_dx, rtol=1e-12, atol=1e-15)


def test_global_max_pool_sends_the_gradient_to_the_last_nan_as_pytorch():
    x = np.array([[[1.0, np.nan, 3.0, np.nan, 2.0], [1.0, 4.0, 4.0, 0.0, -1.0]]])
    y, cache = global_max_pool_forward(x)
    dx = global_max_pool_backward(np.ones_like(y), cache)
    torch_y, torch_dx = _torch(
        lambda xt: torch.nn.functional.adaptive_max_pool1d(xt, 1)[..., 0], x, np.ones_like(y)
    )
    np.testing.assert_array_equal(y, torch_y)
    np.testing.assert_array_equal(dx, torch_dx)
    np.testing.assert_array_equal(dx, [[[0, 0, 0, 1, 0], [0, 1, 0, 0, 0]]])  # last NaN; first tie
