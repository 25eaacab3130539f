"""``minicnn bench`` end to end on tiny shapes, its files, its GPU rows and its argument errors."""

import json

import pytest

from minicnn.bench import plot
from minicnn.bench.implementations import NAMES
from minicnn.cli import main
from minicnn.cuda.device import cupy_problem

TINY = ["--quick", "--batch", "2", "--train-batch", "4", "--rounds", "1", "--calls", "1"]
TINY += ["--warm-up", "0"]
ROW_KEYS = {"op", "shape", "implementation", "device", "status"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One tiny --quick run: its output folder and printed text."""
    out = tmp_path_factory.mktemp("bench")
    capture = pytest.MonkeyPatch()
    lines = []
    capture.setattr("builtins.print", lambda *args, **_: lines.append(" ".join(map(str, args))))
    try:
        assert main(["bench", *TINY, "--out", str(out)]) == 0
    finally:
        capture.undo()
    return out, "\n".join(lines)


def test_quick_run_writes_json_and_png_with_every_row(quick_run):
    out, text = quick_run
    device = "cpu" if cupy_problem() else None
    (json_path,) = out.glob("bench-*.json")
    if device:
        assert json_path.name == "bench-cpu.json"
    assert json_path.with_suffix(".png").stat().st_size > 0
    result = json.loads(json_path.read_text())
    assert set(result) == {"machine", "peaks", "settings", "rows", "summary"}
    assert {"cpu", "cpu_count", "numpy", "numba", "minicnn", "torch", "gpu"} <= set(
        result["machine"]
    )
    assert result["peaks"]["cpu"]["flops"] > 0
    rows = result["rows"]
    # 5 ops on the 2 LeNet shapes and one training step, each with every implementation
    assert len(rows) == (5 * 2 + 1) * len(NAMES)
    assert all(set(row) >= ROW_KEYS for row in rows)
    measured = [row for row in rows if row["status"] == "ok"]
    assert {row["shape"] for row in rows} == {"lenet-conv1", "lenet-conv2", "lenet-b4"}
    for row in measured:
        assert row["seconds"] > 0 and row["rate"] > 0 and row["timed_calls"] == 1
        assert row["rate_unit"] == ("GB/s" if row["op"] == "maxpool" else "GFLOP/s")
    numpy_fwd = next(
        r for r in measured if r["implementation"] == "numpy" and r["op"] == "conv-fwd"
    )
    assert numpy_fwd["algorithm"] == "im2col" and numpy_fwd["fraction_of_peak"] > 0
    assert "conv-fwd         lenet-conv1    numpy (im2col)" in text
    assert "wrote " in text


def test_minicnn_times_each_gradient_alone(quick_run):
    out, _ = quick_run
    rows = json.loads(next(out.glob("bench-*.json")).read_text())["rows"]
    for op in ("conv-bwd-data", "conv-bwd-weights"):
        split = [r for r in rows if r["op"] == op and r["implementation"] == "numpy"]
        assert split and all(r["status"] == "ok" and r["seconds"] > 0 for r in split)


@pytest.mark.skipif(cupy_problem() is None, reason="a GPU is usable here: its rows are measured")
def test_gpu_rows_are_unavailable_with_the_reason(quick_run):
    out, text = quick_run
    rows = json.loads((out / "bench-cpu.json").read_text())["rows"]
    gpu_rows = [row for row in rows if row["device"] == "gpu"]
    names = {"cuda-c", "numba-cuda", "implicit-gemm", "cudnn"}
    assert {row["implementation"] for row in gpu_rows} == names
    assert all(row["status"] == "unavailable" for row in gpu_rows)
    assert all(row["reason"].startswith("no GPU: ") for row in gpu_rows)
    assert "unavailable: " in text and "cuda-c [" in text and "[1] no GPU: " in text
    assert not list(out.glob("*roofline*"))


def test_roofline_plot_of_gpu_rows(tmp_path):
    rows = [
        {"op": "conv-fwd", "implementation": name, "device": "gpu", "status": "ok",
         "flops": 1e10, "bytes": 1e8, "rate": rate}
        for name, rate in [("cuda-c", 20e3), ("cudnn", 40e3)]
    ]  # fmt: skip
    path = tmp_path / "roofline.png"
    plot.plot_roofline(rows, {"flops": 67e12, "bytes_per_second": 3.35e12}, path, "test")
    assert path.stat().st_size > 0


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--ops", "conv-sideways"], "invalid choice: 'conv-sideways'"),
        (["--shapes", "resnet-1x1"], "invalid choice: 'resnet-1x1'"),
        (["--impl", "cublas"], "invalid choice: 'cublas'"),
        (["--rounds", "0"], "must be a positive integer, got '0'"),
        (["--batch", "two"], "argument --batch: must be a positive integer, got 'two'"),
        (["--warm-up", "-1"], "must be a number >= 0, got '-1'"),
    ],
)
def test_bad_options_are_argparse_errors(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", *arguments])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.gpu
@pytest.mark.skipif(cupy_problem() is not None, reason=f"no GPU: {cupy_problem()}")
def test_gpu_rows_are_measured_on_a_gpu(tmp_path):
    names = ["cuda-c", "numba-cuda", "implicit-gemm", "cudnn"]
    assert main(["bench", *TINY, "--impl", *names, "--out", str(tmp_path)]) == 0
    (json_path,) = tmp_path.glob("bench-*.json")
    rows = json.loads(json_path.read_text())["rows"]
    for name in ("cuda-c", "implicit-gemm"):
        conv = [r for r in rows if r["implementation"] == name and r["op"].startswith("conv")]
        assert conv and all(r["status"] == "ok" and r["seconds"] > 0 for r in conv), name
    assert list(tmp_path.glob("*roofline.png"))
