"""PyTorch as an independent oracle for the linear op (float64, 1e-9). Skipped without it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.ops.linear import linear_backward, linear_forward
from minicnn.testing import arrays

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@given(
    st.lists(st.integers(1, 3), min_size=1, max_size=3),
    st.integers(1, 6),
    st.integers(1, 6),
    st.booleans(),
    st.data(),
)
def test_forward_and_gradients_match_pytorch(leading, in_features, out_features, bias, data):
    x = data.draw(arrays((*leading, in_features)))
    weight = data.draw(arrays((out_features, in_features)))
    b = data.draw(arrays((out_features,))) if bias else None
    y, cache = linear_forward(x, weight, b)
    grad_out = data.draw(arrays(y.shape))
    grads = linear_backward(grad_out, cache)

    tensors = [torch.tensor(a, requires_grad=True) for a in (x, weight)]
    tensors.append(None if b is None else torch.tensor(b, requires_grad=True))
    torch_y = torch.nn.functional.linear(*tensors)
    torch_y.backward(torch.tensor(grad_out))
    np.testing.assert_allclose(y, torch_y.detach().numpy(), rtol=1e-9, atol=1e-9)
    for name, ours, tensor in zip(("dx", "dweight", "dbias"), grads, tensors):
        if tensor is None:
            assert ours is None
        else:
            np.testing.assert_allclose(
                ours, tensor.grad.numpy(), rtol=1e-9, atol=1e-9, err_msg=name
            )
