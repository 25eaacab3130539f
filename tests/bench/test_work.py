"""FLOPs, bytes and rates of the cases, against values worked out by hand."""

import pytest

from minicnn.bench import work
from minicnn.bench.shapes import SHAPES, Case


def case(op, name="lenet-conv1"):
    return Case(op, SHAPES[name])


def test_conv_flops_by_hand():
    # lenet-conv1: N 64, C_out 10, C_in 1, K 5×5, O 24×24: 2·64·10·25·576 per pass
    assert work.flops(case("conv-fwd")) == 18_432_000
    assert work.flops(case("conv-bwd-data")) == 18_432_000
    assert work.flops(case("conv-bwd-weights")) == 18_432_000
    assert work.flops(case("conv-bwd")) == 36_864_000
    # resnet-512x7: 2·64·512·(512·9)·49
    assert work.flops(case("conv-fwd", "resnet-512x7")) == 14_797_504_512
    # conv1d: 2·64·64·(64·5)·1024 (padding 2 keeps the length); conv3d: 2·8·32·(16·27)·16³
    assert work.flops(case("conv-fwd", "conv1d")) == 2_684_354_560
    assert work.flops(case("conv-fwd", "conv3d")) == 905_969_664


def test_conv_bytes_by_hand():
    # x 64·1·28·28 = 50,176, W 10·25 = 250, y 64·10·24·24 = 368,640 float32 values
    x, w, y = 50_176, 250, 368_640
    assert work.bytes_moved(case("conv-fwd")) == 4 * (x + w + y)
    assert work.bytes_moved(case("conv-bwd-data")) == 4 * (y + w + x)
    assert work.bytes_moved(case("conv-bwd-weights")) == 4 * (x + y + w)
    assert work.bytes_moved(case("conv-bwd")) == 4 * (2 * x + 2 * w + y)


def test_maxpool_bytes_and_rate_by_hand():
    # pooling the conv's output 64·10·24·24 = 368,640 values to 64·10·12·12 = 92,160:
    # forward reads the input and writes the output, backward reads dy and writes dx
    pool = case("maxpool")
    assert work.flops(pool) is None
    assert work.bytes_moved(pool) == 2 * 4 * (368_640 + 92_160) == 3_686_400
    assert work.rate(pool, 1e-3) == pytest.approx((3.6864, "GB/s"))


def test_train_step_flops_and_rate():
    # LeNet's forward pass is 480,500 multiply-adds per image (minicnn summary lenet)
    step = Case("train-step", batch=256)
    assert work.flops(step) == 3 * 2 * 480_500 * 256 == 738_048_000
    assert work.bytes_moved(step) is None
    assert work.rate(step, 0.5) == pytest.approx((1.476096, "GFLOP/s"))
