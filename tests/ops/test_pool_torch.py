"""PyTorch as an oracle for max and average pooling (float64, 1e-9). Skipped without it."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

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
