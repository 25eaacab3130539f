"""The headline figures of minicnn bench, from hand-made rows."""

import pytest

from minicnn.bench.summary import summarize, summary_lines


def row(op, shape, name, device, seconds, reference, flops=1.0, peak=None, moved=1.0):
    return {
        "op": op,
        "shape": shape,
        "implementation": name,
        "device": device,
        "status": "ok",
        "seconds": seconds,
        "reference": reference,
        "flops": flops,
        "bytes": moved,
        "fraction_of_peak": peak,
    }


def gpu(op, shape, name, seconds, flops=1.0, peak=None, moved=1.0):
    return row(op, shape, name, "gpu", seconds, "cudnn", flops, peak, moved)


ROWS = [
    # resnet-a: implicit-gemm (1 + 3) / (1 + 1) = 2; resnet-b: (1 + 1) / (2 + 2) = 0.5;
    # resnet-c: 1.0 → median 1.0. cuda-c has no conv-bwd on resnet-c: two shapes only.
    gpu("conv-fwd", "resnet-a", "cudnn", 1.0, flops=10.0, peak=0.8),
    gpu("conv-bwd", "resnet-a", "cudnn", 1.0),
    gpu("conv-fwd", "resnet-a", "implicit-gemm", 1.0, flops=10.0, peak=0.8),
    gpu("conv-bwd", "resnet-a", "implicit-gemm", 3.0),
    gpu("conv-fwd", "resnet-b", "cudnn", 2.0, flops=5.0, peak=0.2),
    gpu("conv-bwd", "resnet-b", "cudnn", 2.0),
    gpu("conv-fwd", "resnet-b", "implicit-gemm", 1.0, flops=5.0, peak=0.4),
    gpu("conv-bwd", "resnet-b", "implicit-gemm", 1.0),
    gpu("conv-fwd", "resnet-c", "cudnn", 1.0, flops=5.0),
    gpu("conv-bwd", "resnet-c", "cudnn", 1.0),
    gpu("conv-fwd", "resnet-c", "implicit-gemm", 1.0, flops=5.0),
    gpu("conv-bwd", "resnet-c", "implicit-gemm", 1.0),
    gpu("conv-fwd", "resnet-a", "cuda-c", 2.0, flops=10.0, peak=0.4),
    gpu("conv-bwd", "resnet-a", "cuda-c", 2.0),
    gpu("conv-fwd", "resnet-b", "cuda-c", 4.0, flops=5.0, peak=0.1),
    gpu("conv-bwd", "resnet-b", "cuda-c", 4.0),
    gpu("conv-fwd", "lenet-conv1", "cuda-c", 100.0),  # not a ResNet shape: ignored
    gpu("maxpool", "resnet-a", "cuda-c", 1.0, peak=0.7, moved=2.0),
    gpu("maxpool", "resnet-b", "cuda-c", 1.0, peak=0.5, moved=4.0),  # the most bytes
    gpu("maxpool", "resnet-b", "numba-cuda", 1.0, peak=0.3, moved=4.0),
    row("train-step", "lenet-b256", "numpy", "cpu", 12.0, "torch-cpu"),
    row("train-step", "lenet-b256", "auto", "cpu", 10.0, "torch-cpu"),
    row("train-step", "lenet-b256", "torch-cpu", "cpu", 1.0, "torch-cpu"),  # not minicnn
    gpu("train-step", "lenet-b256", "implicit-gemm", 0.5),
    gpu("train-step", "lenet-b256", "cudnn", 0.1),  # PyTorch's, not a minicnn speed-up
]


def test_each_figure_from_its_rows():
    figures = summarize(ROWS)
    assert figures["conv_fwd_bwd_ratio_to_reference"] == {"implicit-gemm": 1.0, "cuda-c": 2.0}
    peaks = figures["conv_fwd_fraction_of_peak_largest_resnet"]
    assert peaks == {
        name: {"shape": "resnet-a", "value": value}
        for name, value in [("cudnn", 0.8), ("implicit-gemm", 0.8), ("cuda-c", 0.4)]
    }
    assert figures["maxpool_fraction_of_bandwidth"] == {
        "cuda-c": {"shape": "resnet-b", "value": 0.5},
        "numba-cuda": {"shape": "resnet-b", "value": 0.3},
    }
    assert figures["train_step_gpu_speedup_over_cpu"] == {"implicit-gemm": pytest.approx(20.0)}


def test_unmeasured_figures_are_left_out_and_lines_read_well():
    unavailable = [dict(r, status="unavailable") for r in ROWS if r["device"] == "gpu"]
    cpu_only = [r for r in ROWS if r["device"] == "cpu"] + unavailable
    assert summarize(cpu_only) == {}
    lines = summary_lines(summarize(ROWS))
    assert lines[0].endswith("over ResNet shapes: implicit-gemm 1.00, cuda-c 2.00")
    assert lines[2].endswith(
        "bandwidth, largest shape: cuda-c resnet-b 50%, numba-cuda resnet-b 30%"
    )
    assert any(line.endswith("cuda-c resnet-a 40%") for line in lines)


def test_a_shape_without_both_passes_is_left_out_of_the_ratio():
    rows = [
        gpu("conv-fwd", "resnet-a", "cudnn", 1.0),
        gpu("conv-bwd", "resnet-a", "cudnn", 1.0),
        gpu("conv-fwd", "resnet-a", "cuda-c", 2.0),
        gpu("conv-bwd", "resnet-a", "cuda-c", 2.0),
        gpu("conv-fwd", "resnet-b", "cudnn", 1.0),
        gpu("conv-bwd", "resnet-b", "cudnn", 1.0),
        gpu("conv-fwd", "resnet-b", "cuda-c", 9.0),  # its conv-bwd was not measured
    ]
    assert summarize(rows)["conv_fwd_bwd_ratio_to_reference"] == {"cuda-c": 2.0}


def test_maxpool_rows_without_a_known_peak_have_no_fraction():
    rows = [
        gpu("maxpool", "resnet-a", "cuda-c", 1.0, peak=0.5),
        gpu("maxpool", "resnet-a", "cudnn", 1.0),  # peaks unknown for this GPU
    ]
    assert summarize(rows) == {
        "maxpool_fraction_of_bandwidth": {"cuda-c": {"shape": "resnet-a", "value": 0.5}}
    }


def test_the_largest_resnet_shape_breaks_a_tie_in_flops_by_bytes():
    # the four standard ResNet shapes do the same FLOPs; 64×56² moves the most bytes
    rows = [
        gpu("conv-fwd", shape, "implicit-gemm", 1.0, flops=7.0, peak=peak, moved=moved)
        for shape, moved, peak in [("resnet-512x7", 3.0, 0.6), ("resnet-64x56", 9.0, 0.4)]
    ]
    for order in (rows, rows[::-1]):
        assert summarize(order)["conv_fwd_fraction_of_peak_largest_resnet"] == {
            "implicit-gemm": {"shape": "resnet-64x56", "value": 0.4}
        }
