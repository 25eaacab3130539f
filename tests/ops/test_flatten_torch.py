"""PyTorch's flatten as an oracle for the shapes and values of ours. Skipped without it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.flatten import flatten_backward, flatten_forward
from minicnn.testing import arrays

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@given(st.lists(st.integers(1, 3), min_size=1, max_size=5), st.data())
def test_flatten_matches_pytorch(shape, data):
    ndim = len(shape)
    start_dim = data.draw(st.integers(-ndim, ndim - 1))
    end_dim = data.draw(st.integers(-ndim, ndim - 1))
    x = data.draw(arrays(tuple(shape)))
    if start_dim % ndim > end_dim % ndim:
        with pytest.raises(RuntimeError):
            torch.flatten(torch.tensor(x), start_dim, end_dim)
        with pytest.raises(ValueError, match="must not come after"):
            flatten_forward(x, start_dim, end_dim)
        return
    y, cache = flatten_forward(x, start_dim, end_dim)
    t = torch.tensor(x, requires_grad=True)
    torch_y = torch.flatten(t, start_dim, end_dim)
    grad_out = data.draw(arrays(y.shape))
    torch_y.backward(torch.tensor(grad_out))
    np.testing.assert_array_equal(y, torch_y.detach().numpy())
    np.testing.assert_array_equal(flatten_backward(grad_out, cache), t.grad.numpy())
