"""On a CUDA GPU (marker ``gpu``; run with ``pytest -m gpu``): every op on CuPy arrays against
the NumPy code, with each set of GPU kernels (CUDA C, Numba, plain CuPy), in float64 to 1e-10
relative and in float32; gradient checks on the GPU; ``Module.to``; the fused kernels; and a
short training run against the same run on the CPU. Skipped, saying why, without a GPU."""

import copy
import importlib

import numpy as np
import pytest

import minicnn as mc
from minicnn import backend
from minicnn.cuda.device import cupy_problem, numba_cuda_problem
from minicnn.ops.geometry import output_shape

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(cupy_problem() is not None, reason=f"no GPU: {cupy_problem()}"),
]
im2col_ops = importlib.import_module("minicnn.ops.im2col")
pool_ops = importlib.import_module("minicnn.ops.pool")
RTOL = {np.float64: 1e-10, np.float32: 1e-4}
ATOL = {np.float64: 1e-12, np.float32: 1e-5}


@pytest.fixture
def cp():
    import cupy

    return cupy


@pytest.fixture(params=backend.GPU_KERNELS)
def kernels(request):
    """Each GPU kernel set in turn, for the duration of one test."""
    if request.param == "numba" and numba_cuda_problem():
        pytest.skip(numba_cuda_problem())
    with backend.gpu_kernels(request.param):
        yield request.param


def close(gpu_value, cpu_value, dtype):
    assert gpu_value.dtype == cpu_value.dtype, (gpu_value.dtype, cpu_value.dtype)
    np.testing.assert_allclose(
        backend.to_numpy(gpu_value), cpu_value, rtol=RTOL[dtype], atol=ATOL[dtype]
    )


def random_array(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


WINDOWS = [
    ((2, 3, 9), (3,), (2,), ((1, 1),), (1,)),
    ((2, 3, 10, 11), (3, 3), (2, 1), ((1, 1), (2, 2)), (1, 2)),
    ((1, 2, 5, 6, 7), (2, 3, 2), (1, 2, 1), ((1, 0), (1, 1), (0, 0)), (2, 1, 1)),
]
POOLS = [
    ((2, 3, 9), 3, 2, 1, True),
    ((2, 3, 10, 11), (3, 2), (2, 1), (1, 0), False),
    ((1, 2, 5, 6, 7), 2, 2, 1, True),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("geometry", WINDOWS)
def test_im2col_and_col2im_match_numpy(kernels, geometry, dtype, cp):
    x_shape, kernel, stride, padding, dilation = geometry
    out = output_shape(x_shape[2:], kernel, stride, padding, dilation)
    x = random_array(x_shape, dtype)
    x_gpu = cp.asarray(x)
    cols = im2col_ops.im2col(x, kernel, stride, padding, dilation, out)
    close(im2col_ops.im2col(x_gpu, kernel, stride, padding, dilation, out), cols, dtype)
    dx = im2col_ops.col2im(cols, x_shape, kernel, stride, padding, dilation)
    dx_gpu = im2col_ops.col2im(cp.asarray(cols), x_shape, kernel, stride, padding, dilation)
    close(dx_gpu, dx, dtype)
    again = im2col_ops.col2im(cp.asarray(cols), x_shape, kernel, stride, padding, dilation)
    assert bool((again == dx_gpu).all())  # deterministic, bit for bit
    np.testing.assert_array_equal(backend.to_numpy(x_gpu), x)  # input untouched


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["max", "min", "avg"])
@pytest.mark.parametrize("geometry", POOLS)
def test_pooling_matches_numpy(kernels, geometry, kind, dtype, cp):
    x_shape, kernel, stride, padding, ceil_mode = geometry
    x = random_array(x_shape, dtype)
    forward = getattr(pool_ops, f"{kind}_pool_forward")
    backward = pool_ops.avg_pool_backward if kind == "avg" else pool_ops.max_pool_backward
    y, cache = forward(x, kernel, stride, padding, ceil_mode)
    y_gpu, cache_gpu = forward(cp.asarray(x), kernel, stride, padding, ceil_mode)
    close(y_gpu, y, dtype)
    dy = random_array(y.shape, dtype, seed=1)
    close(backward(cp.asarray(dy), cache_gpu), backward(dy, cache), dtype)


def layers():
    """(layer, input shape) covering every op of minicnn.ops through its layer."""
    nn = mc.nn
    return [
        (nn.Conv1d(2, 3, 3, stride=2, padding=1), (2, 2, 9)),
        (nn.Conv2d(3, 4, 3, padding="same", dilation=2), (2, 3, 8, 7)),
        (nn.Conv2d(4, 4, 3, stride=2, groups=2), (2, 4, 9, 9)),
        (nn.Conv3d(2, 2, (2, 3, 2), padding=1), (1, 2, 4, 5, 4)),
        (nn.Conv2d(4, 6, 1, stride=2, groups=2), (2, 4, 7, 7)),  # "auto": the 1×1 algorithm
        (nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), (2, 3, 4, 5)),
        (nn.ConvTranspose1d(2, 4, 3, stride=2, groups=2), (2, 2, 6)),
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True), (2, 3, 8, 9)),
        (nn.MinPool1d(2), (2, 3, 8)),
        (nn.AvgPool3d(2, padding=1, count_include_pad=False), (1, 2, 4, 5, 3)),
        (nn.GlobalAvgPool(), (2, 3, 4, 5)),
        (nn.GlobalMaxPool(), (2, 3, 4, 5)),
        (nn.BatchNorm2d(3), (4, 3, 5, 5)),
        (nn.BatchNorm1d(3), (4, 3)),
        (nn.LocalResponseNorm(3), (2, 5, 4, 4)),
        (nn.ReLU(), (3, 7)),
        (nn.LeakyReLU(0.1), (3, 7)),
        (nn.Sigmoid(), (3, 7)),
        (nn.Tanh(), (3, 7)),
        (nn.Softmax(dim=1), (3, 7)),
        (nn.LogSoftmax(dim=1), (3, 7)),
        (nn.Dropout(0.3), (4, 9)),
        (nn.Dropout2d(0.5), (4, 6, 3, 3)),
        (nn.Linear(6, 4), (5, 6)),
        (nn.Flatten(), (2, 3, 4)),
    ]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("layer", "shape"), layers(), ids=lambda v: type(v).__name__)
def test_every_layer_matches_numpy(layer, shape, dtype, cp):
    layer = copy.deepcopy(layer)  # the parametrized layer is shared by both dtypes
    if dtype == np.float64:
        layer.double()
    gpu_layer = copy.deepcopy(layer).to("gpu")
    x = random_array(shape, dtype)
    mc.manual_seed(1)  # the same dropout masks on both
    y = layer(x)
    mc.manual_seed(1)
    y_gpu = gpu_layer(cp.asarray(x))
    assert type(y_gpu) is cp.ndarray
    close(y_gpu, y, dtype)
    dy = random_array(y.shape, dtype, seed=2)
    close(gpu_layer.backward(cp.asarray(dy)), layer.backward(dy), dtype)
    for (name, p), (_, p_gpu) in zip(layer.named_parameters(), gpu_layer.named_parameters()):
        assert type(p_gpu.grad) is cp.ndarray, name
        close(p_gpu.grad, p.grad, dtype)
    for (name, b), (_, b_gpu) in zip(layer.named_buffers(), gpu_layer.named_buffers()):
        np.testing.assert_allclose(backend.to_numpy(b_gpu), b, rtol=RTOL[dtype], err_msg=name)


@pytest.mark.parametrize("loss", [mc.nn.CrossEntropyLoss, mc.nn.NLLLoss])
def test_losses_match_numpy(loss, cp):
    scores = random_array((6, 5, 3), np.float64)
    target = np.random.default_rng(3).integers(0, 5, (6, 3))
    cpu, gpu = loss(), loss()
    close(
        cp.asarray(gpu(cp.asarray(scores), cp.asarray(target))),
        np.asarray(cpu(scores, target)),
        np.float64,
    )
    close(gpu.backward(), cpu.backward(), np.float64)


@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (mc.nn.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 5, 5)),
        (mc.nn.MaxPool2d(2), (1, 2, 4, 4)),
        (mc.nn.AvgPool1d(3, 2, 1, ceil_mode=True), (2, 2, 7)),
        (mc.nn.BatchNorm2d(2), (3, 2, 3, 3)),
    ],
    ids=lambda v: type(v).__name__,
)
def test_gradcheck_on_the_gpu(kernels, layer, shape, cp):
    x = cp.asarray(random_array(shape, np.float64, seed=4))
    assert mc.gradcheck(layer.to("gpu"), x)


def test_module_to_moves_parameters_grads_and_buffers_and_back(cp):
    model = mc.nn.Sequential(mc.nn.Conv2d(1, 2, 3), mc.nn.BatchNorm2d(2), mc.nn.Flatten())
    x = random_array((2, 1, 5, 5), np.float32)
    model.backward(np.ones_like(model(x)))
    before = {k: v.copy() for k, v in model.state_dict().items()}
    grads = [p.grad.copy() for p in model.parameters()]
    assert model.to("cuda") is model
    for value in model.state_dict().values():
        assert type(value) is cp.ndarray
    for p, grad in zip(model.parameters(), grads):
        assert type(p.grad) is cp.ndarray and p.grad.dtype == np.float32
        np.testing.assert_array_equal(p.grad.get(), grad)
    assert type(model(cp.asarray(x))) is cp.ndarray
    model.to("cpu")
    for key, value in model.state_dict().items():
        assert type(value) is np.ndarray and value.dtype == before[key].dtype, key


def test_fused_bias_relu_and_dropout(cp):
    from minicnn.cuda.elementwise import bias_relu, dropout, uniform

    for dtype in (np.float32, np.float64):
        x, bias = random_array((3, 4, 5, 6), dtype), random_array((4,), dtype, seed=5)
        y = bias_relu(cp.asarray(x), cp.asarray(bias))
        np.testing.assert_array_equal(y.get(), np.maximum(x + bias[:, None, None], 0))
        x_gpu = cp.asarray(x)
        y, mask = dropout(x_gpu, 0.3, seed=7)
        keep = uniform(7, x.size).reshape(x.shape) >= 0.3
        expected_mask = keep.astype(dtype) * dtype(1 / 0.7)
        np.testing.assert_array_equal(mask.get(), expected_mask)
        np.testing.assert_array_equal(y.get(), x * expected_mask)
        np.testing.assert_array_equal(x_gpu.get(), x)
        assert y.dtype == mask.dtype == dtype


def test_conv_through_each_kernel_set_matches_numpy(kernels, cp):
    x, w = random_array((2, 3, 9, 8), np.float64), random_array((4, 3, 3, 3), np.float64, 6)
    y, cache = mc.ops.conv_forward(x, w, None, 2, 1, 1, 1, algorithm="im2col")
    y_gpu, cache_gpu = mc.ops.conv_forward(
        cp.asarray(x), cp.asarray(w), None, 2, 1, 1, 1, algorithm="im2col"
    )
    close(y_gpu, y, np.float64)
    dy = random_array(y.shape, np.float64, seed=7)
    for gpu_grad, cpu_grad in zip(
        mc.ops.conv_backward(cp.asarray(dy), cache_gpu)[:2], mc.ops.conv_backward(dy, cache)[:2]
    ):
        close(gpu_grad, cpu_grad, np.float64)


IMPLICIT_GEMM_CASES = [
    # (x shape, weight shape, stride, padding, dilation, groups)
    ((2, 3, 9, 10), (5, 3, 3, 3), 1, 1, 1, 1),
    ((2, 4, 9, 10), (6, 2, 3, 2), (2, 1), (1, 0), (1, 2), 2),
    ((3, 8, 17), (70, 8, 3), 2, 1, 1, 1),
    ((2, 2, 4, 5, 6), (4, 1, 2, 3, 2), (1, 2, 1), 1, (2, 1, 1), 2),
    ((8, 64, 14, 14), (128, 64, 3, 3), 1, 1, 1, 1),  # float4 loads, many tiles, split dW
    ((4, 32, 15, 15), (48, 32, 5, 5), 2, 2, 1, 1),
]


@pytest.mark.parametrize("case", IMPLICIT_GEMM_CASES, ids=str)
def test_implicit_gemm_matches_numpy_and_is_deterministic(case, cp):
    x_shape, w_shape, *hyper = case
    x, w = random_array(x_shape, np.float64), random_array(w_shape, np.float64, seed=8)
    bias = random_array(w_shape[:1], np.float64, seed=9)
    y, cache = mc.ops.conv_forward(x, w, bias, *hyper)
    dy = random_array(y.shape, np.float64, seed=10)
    expected = (y, *mc.ops.conv_backward(dy, cache))
    gpu = [cp.asarray(a, dtype=np.float32) for a in (x, w, bias, dy)]
    runs = []
    for _ in range(2):
        y_gpu, cache_gpu = mc.ops.conv_forward(*gpu[:3], *hyper, algorithm="implicit-gemm")
        runs.append((y_gpu, *mc.ops.conv_backward(gpu[3], cache_gpu)))
    for found, want in zip(runs[0], expected):
        assert found.dtype == np.float32
        scale = float(np.abs(want).max())
        np.testing.assert_allclose(found.get(), want, rtol=0, atol=2e-5 * max(scale, 1.0))
    for first, second in zip(*runs):
        assert bool((first == second).all())  # no atomics: the same bits on every run


def test_auto_picks_implicit_gemm_for_float32_on_the_gpu(cp):
    from minicnn.ops import conv_select

    x, w = cp.ones((2, 4, 8, 8), np.float32), cp.ones((8, 4, 3, 3), np.float32)
    assert mc.ops.conv_forward(x, w)[1].algorithm == "implicit-gemm"
    assert mc.ops.conv_forward(x.astype(np.float64), w)[1].algorithm == "im2col"
    assert mc.ops.conv_forward(x, w[:, :, :1, :1])[1].algorithm == "pointwise"
    geometry = mc.ops.conv_forward(x, w)[1].geometry
    for other in ("numba", "cupy"):  # the choice alone: the Numba kernels need not run here
        with backend.gpu_kernels(other):
            assert conv_select.select(x, w, geometry).name == "im2col"


def test_a_short_training_run_matches_the_cpu(tmp_path):
    from minicnn.train import TrainConfig, train

    runs = {
        device: train(
            TrainConfig(epochs=3, device=device, out=str(tmp_path / device)), log=lambda _: None
        )
        for device in ("cpu", "gpu")
    }
    cpu, gpu = runs["cpu"], runs["gpu"]
    assert gpu["test_accuracy"] > 0.6
    assert abs(gpu["test_accuracy"] - cpu["test_accuracy"]) <= 0.02
    for cpu_epoch, gpu_epoch in zip(cpu["history"], gpu["history"]):
        assert np.isclose(gpu_epoch["train_loss"], cpu_epoch["train_loss"], rtol=1e-2)


def test_profile_and_feature_maps_of_a_model_on_the_gpu(cp):
    from minicnn import models
    from minicnn.summary import profile
    from minicnn.viz import conv_outputs

    model = models.create("lenet", (1, 28, 28), 10)
    x = random_array((1, 28, 28), np.float32, seed=11)
    cpu_rows, cpu_maps = profile(model, (1, 28, 28)), conv_outputs(model, x)
    model.to("gpu")
    assert profile(model, (1, 28, 28)) == cpu_rows
    gpu_maps = conv_outputs(model, x)  # a NumPy example, moved to the model
    assert [name for name, _ in gpu_maps] == [name for name, _ in cpu_maps]
    for (_, found), (_, expected) in zip(gpu_maps, cpu_maps):
        assert type(found) is np.ndarray
        close(found, expected, np.float32)
