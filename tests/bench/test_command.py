"""``minicnn bench`` end to end on tiny shapes, its files, its GPU rows and its argument errors."""

import importlib.util
import json
import re
import shutil

import pytest
from matplotlib.figure import Figure

from minicnn.bench import command as bench_command
from minicnn.bench import plot
from minicnn.bench.implementations import NAMES
from minicnn.bench.shapes import SHAPES
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
    assert set(result) == {"machine", "peaks", "settings", "rows", "summary", "complete"}
    assert result["complete"] is True
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


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch not installed")
def test_pytorch_is_the_reference_of_the_cpu_rows(quick_run):
    out, text = quick_run
    rows = json.loads(next(out.glob("bench-*.json")).read_text())["rows"]
    torch_rows = [row for row in rows if row["implementation"] == "torch-cpu"]
    assert torch_rows and all(row["status"] == "ok" for row in torch_rows)
    numpy_rows = [row for row in rows if row["implementation"] == "numpy" and row["status"] == "ok"]
    assert all(row["reference"] == "torch-cpu" for row in numpy_rows)
    assert all(row["ratio_to_reference"] > 0 for row in numpy_rows)
    assert re.search(r"^conv-fwd +lenet-conv1 +torch-cpu .* ref$", text, re.MULTILINE)


@pytest.fixture
def stand_in_bench(monkeypatch, tmp_path):
    """``run(*arguments, gpu=None)``: ``minicnn bench`` with every call timed as 1 ms,
    stand-in CPU peaks, a GPU named ``gpu`` and no plotting; returns the JSON, the
    measure_case calls (label, rounds, calls, warm-up) and the names of the files written
    in ``run.out``."""
    turns = []

    def measure_case(case, chosen, context, rounds, calls, warm_up):
        turns.append((case.label, rounds, calls, warm_up))
        return [
            {"op": case.op, "shape": case.label, "implementation": impl.name,
             "device": impl.device, "status": "ok", "algorithm": None, "seconds": 1e-3,
             "timed_calls": rounds * calls}
            for impl in chosen
        ]  # fmt: skip

    def run(*arguments, gpu=None):
        turns.clear()
        monkeypatch.setattr(
            bench_command.machine,
            "machine_info",
            lambda versions: {"gpu": gpu and {"name": gpu}, "torch": versions},
        )
        shutil.rmtree(run.out, ignore_errors=True)
        assert main(["bench", *arguments, "--out", str(run.out)]) == 0
        (json_path,) = run.out.glob("*.json")
        return (
            json.loads(json_path.read_text()),
            list(turns),
            sorted(p.name for p in run.out.iterdir()),
        )

    run.out = tmp_path / "out"
    peaks = {"flops": 1e11, "bytes_per_second": 1e10, "how": "stand-in"}
    monkeypatch.setattr(bench_command, "measure_case", measure_case)
    monkeypatch.setattr(bench_command.machine, "cpu_peaks", lambda: peaks)
    for name in ("plot_bars", "plot_roofline"):
        monkeypatch.setattr(bench_command.plot, name, lambda rows, *args: args[-2].touch())
    monkeypatch.setattr("builtins.print", lambda *args, **kwargs: None)
    return run


def test_quick_means_two_rounds_of_the_lenet_shapes_and_the_json_keeps_the_settings(
    stand_in_bench,
):
    result, turns, _ = stand_in_bench("--quick", "--ops", "conv-fwd", "--impl", "numpy")
    assert turns == [("lenet-conv1", 2, 3, 0.05), ("lenet-conv2", 2, 3, 0.05)]
    result, turns, _ = stand_in_bench("--ops", "conv-fwd", "--impl", "numpy", "--warm-up", "0")
    assert [turn[0] for turn in turns] == list(SHAPES) and {turn[1:] for turn in turns} == {
        (5, 3, 0.0)
    }
    assert result["settings"] == {
        "ops": ["conv-fwd"],
        "shapes": list(SHAPES),
        "batch": None,
        "train_batch": 256,
        "rounds": 5,
        "calls": 3,
        "warm_up_seconds": 0.0,
        "implementations": {"numpy": "minicnn, im2col by NumPy slicing + NumPy's GEMM"},
    }


def test_a_run_stopped_midway_keeps_the_cases_it_measured(stand_in_bench, monkeypatch):
    measure_case, on_disk = bench_command.measure_case, []

    def stopped_in_the_third_case(case, *args):
        path = stand_in_bench.out / "bench-cpu.json"
        on_disk.append(json.loads(path.read_text()) if path.exists() else None)
        if len(on_disk) == 3:  # a kill now would leave on_disk[2]; the exception ends the run
            raise KeyboardInterrupt
        return measure_case(case, *args)

    monkeypatch.setattr(bench_command, "measure_case", stopped_in_the_third_case)
    with pytest.raises(KeyboardInterrupt):
        stand_in_bench("--quick", "--ops", "conv-fwd", "maxpool", "--impl", "numpy")
    assert on_disk[0] is None and on_disk[1]["complete"] is False
    result = on_disk[2]
    assert result["complete"] is False
    assert [(row["op"], row["shape"]) for row in result["rows"]] == [
        ("conv-fwd", "lenet-conv1"),
        ("conv-fwd", "lenet-conv2"),
    ]
    assert result["summary"] == bench_command.summarize(result["rows"])
    assert sorted(path.name for path in stand_in_bench.out.iterdir()) == ["bench-cpu.json"]


def test_a_known_gpu_names_the_files_and_gives_its_data_sheet_peaks(stand_in_bench):
    arguments = ["--quick", "--ops", "conv-fwd", "--impl", "numpy", "cuda-c"]
    result, _, files = stand_in_bench(*arguments, gpu="NVIDIA H100 80GB HBM3")
    assert result["peaks"]["gpu"] == {
        "flops": 67e12,
        "bytes_per_second": 3.35e12,
        "how": "data sheet",
    }
    stem = "bench-nvidia-h100-80gb-hbm3"
    assert files == [f"{stem}-roofline.png", f"{stem}.json", f"{stem}.png"]
    (cuda_c, _) = [row for row in result["rows"] if row["implementation"] == "cuda-c"]
    assert cuda_c["fraction_of_peak"] == pytest.approx(cuda_c["rate"] * 1e9 / 67e12)


def saved_figures(monkeypatch):
    """The figures the plots save, kept for a look instead of written."""
    figures = []
    monkeypatch.setattr(Figure, "savefig", lambda figure, *args, **kwargs: figures.append(figure))
    return figures


def test_bars_are_the_rates_and_the_footer_names_the_rows_without_one(monkeypatch, tmp_path):
    figures = saved_figures(monkeypatch)
    ok = {"status": "ok", "seconds": 2e-3}
    rows = [
        {"op": "conv-fwd", "implementation": "numpy", "rate": 9.0, "rate_unit": "GFLOP/s", **ok},
        {"op": "conv-fwd", "implementation": "cuda-c", "status": "unavailable"},
        {"op": "maxpool", "implementation": "numpy", "rate": 3.0, "rate_unit": "GB/s", **ok},
        {"op": "maxpool", "implementation": "cuda-c", "status": "unavailable"},
        {"op": "maxpool", "implementation": "auto", "status": "unavailable"},
    ]
    plot.plot_bars([dict(row, shape="lenet-conv1") for row in rows], tmp_path / "bars.png", "t")
    (figure,) = figures
    assert [[bar.get_height() for bar in ax.patches] for ax in figure.axes] == [[9.0], [3.0]]
    assert [ax.get_ylabel() for ax in figure.axes] == ["GFLOP/s", "GB/s"]
    footer = "unavailable, no bar (reasons in the JSON): cuda-c (all ops); auto (maxpool)"
    assert footer in [text.get_text() for text in figure.texts]


def test_the_roof_is_the_lower_of_bandwidth_and_arithmetic(monkeypatch, tmp_path):
    figures = saved_figures(monkeypatch)
    row = {"op": "conv-fwd", "implementation": "cuda-c", "device": "gpu", "status": "ok",
           "flops": 1e9, "bytes": 1e8, "rate": 5e3}  # fmt: skip
    peaks = {"flops": 67e12, "bytes_per_second": 3.35e12}  # the ridge at 20 FLOP per byte
    plot.plot_roofline([row], peaks, tmp_path / "roofline.png", "test")
    (roof,) = figures[0].axes[0].lines
    assert list(roof.get_xdata()) == pytest.approx([2.5, 20.0, 40.0])
    assert list(roof.get_ydata()) == pytest.approx([8375.0, 67e3, 67e3])
