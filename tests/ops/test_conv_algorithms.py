"""Every convolution algorithm against the same oracles: the naive loops, PyTorch, float64, and
finite differences — each on the shapes it handles (ops/conv_select.py)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn as mc
from minicnn.ops.conv import conv_backward, conv_forward
from minicnn.ops.conv_select import ALGORITHMS, set_workspace_limit
from minicnn.testing import arrays, conv_configs, naive_conv_backward, naive_conv_forward

CONFIGS = {
    "im2col": conv_configs(),
    "im2col-numba": conv_configs(),
    "pointwise": conv_configs(max_kernel=1, max_padding=0),
    "winograd": conv_configs(
        ndims=(2,), kernel_size=(3, 3), stride=(1, 1), dilation=(1, 1), max_extra_size=9
    ),
}
CPU_ALGORITHMS = [name for name, algorithm in ALGORITHMS.items() if "cpu" in algorithm.devices]
assert set(CONFIGS) == set(CPU_ALGORITHMS)  # a new algorithm must be added here

algorithms = pytest.mark.parametrize("algorithm", CPU_ALGORITHMS)


def _operands(config, data, dtype=np.float64):
    x = data.draw(arrays(config.input_shape, dtype))
    weight = data.draw(arrays(config.weight_shape, dtype))
    bias = data.draw(arrays((config.out_channels,), dtype)) if config.bias else None
    return x, weight, bias


def _run(config, algorithm, x, weight, bias, grad_out_of):
    y, cache = conv_forward(x, weight, bias, **config.hyperparameters(), algorithm=algorithm)
    assert cache.algorithm == algorithm
    grad_out = grad_out_of(y.shape)
    return y, grad_out, conv_backward(grad_out, cache)


@algorithms
@given(data=st.data())
def test_matches_the_naive_reference(algorithm, data):
    config = data.draw(CONFIGS[algorithm])
    x, weight, bias = _operands(config, data)
    y, grad_out, (dx, dweight, dbias) = _run(
        config, algorithm, x, weight, bias, lambda shape: data.draw(arrays(shape))
    )
    hyper = (config.stride, config.padding_pairs, config.dilation, config.groups)
    np.testing.assert_allclose(y, naive_conv_forward(x, weight, bias, *hyper), atol=1e-10)
    ref_dx, ref_dweight, ref_dbias = naive_conv_backward(grad_out, x, weight, *hyper)
    np.testing.assert_allclose(dx, ref_dx, atol=1e-10)
    np.testing.assert_allclose(dweight, ref_dweight, atol=1e-10)
    if config.bias:
        np.testing.assert_allclose(dbias, ref_dbias, atol=1e-10)


@algorithms
@given(data=st.data())
def test_float32_agrees_with_float64_and_stays_float32(algorithm, data):
    config = data.draw(CONFIGS[algorithm])
    x, weight, bias = _operands(config, data, np.float32)
    grad_out = {}

    def draw_grad_out(shape):
        grad_out.setdefault("value", data.draw(arrays(shape, np.float32)))
        return grad_out["value"]

    y, _, grads = _run(config, algorithm, x, weight, bias, draw_grad_out)
    as64 = [None if a is None else a.astype(np.float64) for a in (x, weight, bias)]
    y64, _, grads64 = _run(
        config, algorithm, *as64, lambda shape: grad_out["value"].astype(np.float64)
    )
    assert y.dtype == np.float32
    for ours, exact in zip((y, *grads), (y64, *grads64)):
        if ours is not None:
            assert ours.dtype == np.float32
            scale = max(float(np.abs(exact).max()), 1.0)
            assert np.abs(ours - exact).max() <= 1e-4 * scale


@algorithms
@given(data=st.data())
def test_never_modifies_its_arguments(algorithm, data):
    config = data.draw(CONFIGS[algorithm])
    operands = _operands(config, data)
    copies = [None if a is None else a.copy() for a in operands]
    grad_out = {}

    def draw_grad_out(shape):
        grad_out["value"] = data.draw(arrays(shape))
        grad_out["copy"] = grad_out["value"].copy()
        return grad_out["value"]

    _run(config, algorithm, *operands, draw_grad_out)
    for a, copy in zip(operands, copies):
        if a is not None:
            np.testing.assert_array_equal(a, copy)
    np.testing.assert_array_equal(grad_out["value"], grad_out["copy"])


@algorithms
@given(data=st.data())
def test_layer_passes_gradcheck(algorithm, data):
    config = data.draw(CONFIGS[algorithm])
    layer = config.layer()
    x = data.draw(arrays(config.input_shape))
    with mc.conv_algorithm(algorithm):
        assert mc.gradcheck(layer, x, mode="fast", seed=data.draw(st.integers(0, 100)))


@algorithms
def test_chunked_batch_gives_the_same_result(algorithm):
    config = {
        "im2col": dict(x=(5, 4, 9, 8), w=(6, 2, 3, 2), stride=2, padding=1, groups=2),
        "im2col-numba": dict(x=(5, 4, 9, 8), w=(6, 2, 3, 2), stride=2, padding=1, groups=2),
        "pointwise": dict(x=(5, 4, 9, 8), w=(6, 2, 1, 1), stride=2, padding=0, groups=2),
        "winograd": dict(x=(5, 4, 9, 8), w=(6, 2, 3, 3), stride=1, padding=1, groups=2),
    }[algorithm]
    rng = np.random.default_rng(0)
    x, weight = rng.standard_normal(config["x"]), rng.standard_normal(config["w"])
    bias = rng.standard_normal(config["w"][0])
    hyper = dict(stride=config["stride"], padding=config["padding"], groups=config["groups"])
    y, cache = conv_forward(x, weight, bias, **hyper, algorithm=algorithm)
    grad_out = rng.standard_normal(y.shape)
    expected = conv_backward(grad_out, cache)
    assert cache.chunk >= x.shape[0] and cache.workspace is not None
    set_workspace_limit(1)  # one image per chunk
    try:
        y_chunked, cache_chunked = conv_forward(x, weight, bias, **hyper, algorithm=algorithm)
        grads = conv_backward(grad_out, cache_chunked)
    finally:
        set_workspace_limit(mc.ops.conv_select.DEFAULT_WORKSPACE_LIMIT)
    assert cache_chunked.chunk == 1 and cache_chunked.workspace is None
    np.testing.assert_allclose(y_chunked, y, rtol=1e-12, atol=1e-12)
    for ours, whole in zip(grads, expected):
        np.testing.assert_allclose(ours, whole, rtol=1e-12, atol=1e-12)


@algorithms
@pytest.mark.parametrize(("input_grad", "weight_grad"), [(True, False), (False, True)])
@pytest.mark.parametrize("chunked", [False, True])
def test_one_gradient_alone_equals_that_gradient_of_the_full_backward(
    algorithm, input_grad, weight_grad, chunked
):
    rng = np.random.default_rng(1)
    x, weight = rng.standard_normal((5, 4, 9, 8)), rng.standard_normal((6, 2, 3, 3))
    kernel = (1, 1) if algorithm == "pointwise" else (3, 3)
    weight = weight[:, :, : kernel[0], : kernel[1]]
    bias = rng.standard_normal(6)
    # (pointwise at stride 2: at stride 1 it has no workspace, and nothing to chunk)
    pointwise = algorithm == "pointwise"
    hyper = dict(stride=2 if pointwise else 1, padding=0 if pointwise else 1, groups=2)
    y, cache = conv_forward(x, weight, bias, **hyper, algorithm=algorithm)
    grad_out = rng.standard_normal(y.shape)
    full = conv_backward(grad_out, cache)
    if chunked:
        set_workspace_limit(1)
    try:
        _, cache = conv_forward(x, weight, bias, **hyper, algorithm=algorithm)
        dx, dweight, dbias = conv_backward(grad_out, cache, input_grad, weight_grad)
    finally:
        set_workspace_limit(mc.ops.conv_select.DEFAULT_WORKSPACE_LIMIT)
    assert (cache.workspace is None) == chunked
    for wanted, got, expected in [(input_grad, dx, full[0]), (weight_grad, dweight, full[1])]:
        if wanted:
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        else:
            assert got is None
    assert (dbias is None) == (not weight_grad)
