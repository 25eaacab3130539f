"""Dropout draws different masks from PyTorch's, so PyTorch checks the conventions instead:
the scale of what is kept, which elements are zeroed together, p = 1, and evaluation mode.
Skipped without PyTorch."""

import numpy as np
import pytest

import minicnn as mc
from minicnn.ops.dropout import channel_dropout_forward, dropout_forward

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch
F = torch.nn.functional

# Our op and PyTorch's functional form for each layer, on inputs of the layer's rank.
OPS = {
    "Dropout": (dropout_forward, F.dropout, (3, 4, 20)),
    "Dropout1d": (channel_dropout_forward, F.dropout1d, (3, 4, 5)),
    "Dropout2d": (channel_dropout_forward, F.dropout2d, (3, 4, 5, 6)),
    "Dropout3d": (channel_dropout_forward, F.dropout3d, (3, 4, 2, 3, 4)),
}


def _zero_pattern(y):
    """For each (n, c): 'all' zero, 'none' zero, or 'some' zero."""
    zero = (y == 0).reshape(*y.shape[:2], -1)
    return np.where(zero.all(axis=2), "all", np.where(zero.any(axis=2), "some", "none"))


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_kept_values_and_zero_structure_follow_pytorch(name, p):
    ours, theirs, shape = OPS[name]
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1, 1], shape)  # no zeros in x
    mc.manual_seed(0)
    y, _ = ours(x, p)
    torch.manual_seed(0)
    torch_y = theirs(torch.tensor(x), p, training=True).numpy()
    for output in (y, torch_y):
        kept = output != 0
        np.testing.assert_allclose(output[kept], x[kept] / (1 - p), rtol=1e-15)
        partly_zeroed_channels = np.sum(_zero_pattern(output) == "some")
        if name == "Dropout":
            # Elementwise: a channel of 20 values keeps all or none of them with probability
            # below 0.012 at these p, so some of the 12 channels are partly zeroed.
            assert partly_zeroed_channels > 0
        else:
            assert partly_zeroed_channels == 0  # channel-wise: all or nothing


@pytest.mark.parametrize("name", OPS)
def test_p_one_and_evaluation_mode_follow_pytorch(name):
    ours, theirs, shape = OPS[name]
    x = np.random.default_rng(1).standard_normal(shape)
    np.testing.assert_array_equal(ours(x, 1.0)[0], theirs(torch.tensor(x), 1.0).numpy())
    np.testing.assert_array_equal(
        ours(x, 0.5, training=False)[0], theirs(torch.tensor(x), 0.5, training=False).numpy()
    )
