"""The benchmark scripts run end to end on tiny settings (their figures are not checked here:
timings belong to benchmarks/, never to unit tests)."""

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def benchmarks(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    yield
    for name in ("conv_cpu", "conv_shapes", "train_mnist1d", "torch_worker"):
        sys.modules.pop(name, None)


def test_conv_cpu_writes_its_table_and_json(benchmarks, tmp_path, capsys):
    import conv_cpu

    out = tmp_path / "conv.json"
    conv_cpu.main(["--shapes", "lenet-conv1", "--rounds", "1", "--no-torch", "--out", str(out)])
    result = json.loads(out.read_text())
    (row,) = result["rows"]
    assert row["shape"] == "lenet-conv1" and row["seconds"]["minicnn"] > 0
    assert set(row["seconds"]) == {"minicnn", "textbook", "textbook-f32"}
    assert max(row["error_vs_float64"].values()) < 1e-4
    assert result["machine"]["cpu_count"] >= 1
    assert "lenet-conv1" in capsys.readouterr().out


@pytest.mark.torch
def test_train_mnist1d_compares_with_pytorch(benchmarks, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("mnist1d")
    import train_mnist1d

    out = tmp_path / "train.json"
    train_mnist1d.main(["--steps", "20", "--block", "10", "--out", str(out)])
    result = json.loads(out.read_text())
    assert set(result["seconds_per_step"]) == {"minicnn", "torch"}
    assert result["ratio"] > 0 and result["steps"] == 20
