import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.ops.global_pool import (
    global_avg_pool_backward,
    global_avg_pool_forward,
    global_max_pool_backward,
    global_max_pool_forward,
)
from minicnn.ops.pool import avg_pool_backward, avg_pool_forward
from minicnn.testing import arrays, distinct_arrays

shapes = st.tuples(st.integers(1, 3), st.integers(1, 3)).flatmap(
    lambda nc: st.lists(st.integers(1, 4), min_size=1, max_size=3).map(lambda s: (*nc, *s))
)


@given(shapes, st.data())
def test_global_avg_pool_is_an_average_pool_over_the_whole_map(shape, data):
    x = data.draw(arrays(shape))
    y, cache = global_avg_pool_forward(x)
    np.testing.assert_allclose(y, x.reshape(*shape[:2], -1).mean(axis=2), rtol=1e-12)
    windowed, window_cache = avg_pool_forward(x, shape[2:])
    np.testing.assert_allclose(y, windowed.reshape(shape[:2]), rtol=1e-12)
    g = data.draw(arrays(shape[:2]))
    np.testing.assert_allclose(
        global_avg_pool_backward(g, cache),
        avg_pool_backward(g.reshape(windowed.shape), window_cache),
        rtol=1e-12,
    )


@given(shapes, st.data())
def test_global_max_pool_routes_to_the_maximum(shape, data):
    x = data.draw(distinct_arrays(shape))
    y, cache = global_max_pool_forward(x)
    flat = x.reshape(*shape[:2], -1)
    np.testing.assert_array_equal(y, flat.max(axis=2))
    g = data.draw(arrays(shape[:2]))
    dx = global_max_pool_backward(g, cache).reshape(flat.shape)
    expected = np.zeros_like(flat)
    for n, c in np.ndindex(*shape[:2]):
        expected[n, c, flat[n, c].argmax()] = g[n, c]
    np.testing.assert_array_equal(dx, expected)


@given(shapes, st.data())
def test_layers_pass_gradcheck(shape, data):
    x = data.draw(distinct_arrays(shape))
    assert mc.gradcheck(mc.nn.GlobalAvgPool(), x)
    assert mc.gradcheck(mc.nn.GlobalMaxPool(), x)


def test_ties_go_to_the_first_position_and_dtype_is_kept():
    x = np.ones((1, 1, 2, 2), np.float32)
    y, cache = global_max_pool_forward(x)
    dx = global_max_pool_backward(np.ones((1, 1), np.float32), cache)
    np.testing.assert_array_equal(dx, [[[[1, 0], [0, 0]]]])
    assert y.dtype == dx.dtype == np.float32
    y, cache = global_avg_pool_forward(x)
    assert y.dtype == global_avg_pool_backward(y, cache).dtype == np.float32


@pytest.mark.parametrize(
    ("forward", "backward"),
    [
        (global_avg_pool_forward, global_avg_pool_backward),
        (global_max_pool_forward, global_max_pool_backward),
    ],
)
def test_a_float64_grad_out_gives_a_float32_gradient_for_a_float32_input(forward, backward):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    y, cache = forward(x)
    dx = backward(np.ones(y.shape), cache)  # float64 grad_out
    assert dx.dtype == np.float32 and dx.shape == x.shape
    assert dx.flags.writeable and dx.flags.c_contiguous  # a gradient the caller may update


@pytest.mark.parametrize("forward", [global_avg_pool_forward, global_max_pool_forward])
def test_errors(forward):
    for shape in ((2, 3), (2, 3, 0, 4), (2, 3, 4, 0)):
        with pytest.raises(ValueError, match=r"one or more spatial axes, none empty.*got shape"):
            forward(np.zeros(shape))
    with pytest.raises(TypeError, match="floating-point"):
        forward(np.zeros((2, 3, 4), int))
    _, cache = forward(np.zeros((2, 3, 4)))
    backward = {
        global_avg_pool_forward: global_avg_pool_backward,
        global_max_pool_forward: global_max_pool_backward,
    }[forward]
    with pytest.raises(ValueError, match=r"grad_out must have shape \(2, 3\)"):
        backward(np.zeros((3, 2)), cache)
