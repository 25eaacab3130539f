"""The benchmark scripts run end to end on tiny settings (their figures are not checked here:
timings belong to benchmarks/, never to unit tests)."""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def benchmarks(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    yield
    for name in ("conv_cpu", "conv_shapes", "gpu_check", "train_mnist1d", "torch_worker"):
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


def test_gpu_check_reruns_failures_with_warnings_shown(benchmarks, tmp_path):
    import gpu_check

    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    (tmp_path / "test_warns.py").write_text(
        textwrap.dedent("""
            import warnings, pytest

            @pytest.mark.parametrize("case", ["a b", "c"])
            def test_warns(case):
                warnings.warn("a new warning")

            def test_fails():
                assert False
        """)
    )
    first = gpu_check.run_pytest(60, (str(tmp_path),))
    assert first["exit_code"] == 1 and len(first["failures"]) == 3, first
    again = gpu_check.rerun_failures_with_warnings_shown(first["failures"], 60)
    assert again["exit_code"] == 1 and "1 failed, 2 passed" in again["summary"], again
    assert again["failures"] == [line for line in first["failures"] if "test_fails" in line]


@pytest.fixture
def gpu_session(tmp_path, monkeypatch):
    """``run(seconds, *stages)``: benchmarks/gpu_session.sh with that deadline and those
    stages, this Python as ``python3``; returns its archive unpacked and its output."""
    from minicnn.cuda.device import cupy_problem

    if shutil.which("timeout") is None or shutil.which("tar") is None:
        pytest.skip("gpu_session.sh needs GNU timeout and tar")
    if cupy_problem() is None:
        pytest.skip("a GPU is present: the session would run the GPU stages for minutes")
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    python3 = bin_folder / "python3"  # a link would lose the virtual environment
    python3.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python3.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("OUT", str(tmp_path / "out"))

    def run(seconds, *stages):
        command = ["bash", str(BENCHMARKS / "gpu_session.sh"), str(seconds), *stages]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        unpacked = tmp_path / "unpacked"
        shutil.unpack_archive(tmp_path / "out" / "gpu-session.tar.gz", unpacked)
        return unpacked, result.stdout

    return run


def test_gpu_session_runs_each_stage_and_keeps_all_in_one_archive(gpu_session):
    unpacked, output = gpu_session(200)
    log = (unpacked / "session.log").read_text()
    assert log.count("== ") == 8  # a start and an end line per stage
    for stage in ("check", "train"):  # no GPU here: each says so and fails
        assert re.search(rf"== {stage}: exit 1 after \d+ s", log), log
    assert "no GPU" in log
    for stage in ("bench", "step"):  # the GPU rows are listed as unavailable
        assert re.search(rf"== {stage}: exit 0 after \d+ s", log), log
        result = json.loads((unpacked / stage / "bench-cpu.json").read_text())
        assert result["rows"]
    assert output.rstrip().endswith("gpu-session.tar.gz")


def test_gpu_session_skips_the_stages_it_has_no_time_for(gpu_session):
    unpacked, _ = gpu_session(5)
    log = (unpacked / "session.log").read_text().splitlines()
    assert len(log) == 4, log
    for line, stage in zip(log, ("check", "train", "bench", "step")):
        assert re.fullmatch(rf"== {stage}: skipped, [0-5] s left before the deadline", line)


def test_gpu_session_runs_only_the_stages_named(gpu_session):
    unpacked, _ = gpu_session(5, "step", "train")
    log = (unpacked / "session.log").read_text().splitlines()
    assert len(log) == 2, log
    for line, stage in zip(log, ("train", "step")):  # in the session's order
        assert re.fullmatch(rf"== {stage}: skipped, [0-5] s left before the deadline", line)


def test_a_rerun_in_the_same_folder_adds_to_the_archive(gpu_session):
    gpu_session(5, "train")
    unpacked, _ = gpu_session(5, "step")
    log = (unpacked / "session.log").read_text().splitlines()
    assert [line.split(":")[0] for line in log] == ["== train", "== step"]


def test_gpu_session_refuses_an_unknown_stage(tmp_path):
    command = ["bash", str(BENCHMARKS / "gpu_session.sh"), "5", "check", "tests"]
    environment = dict(os.environ, OUT=str(tmp_path / "out"))
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "gpu_session.sh: unknown stage 'tests' (check, train, bench, step)\n"
    assert not (tmp_path / "out").exists()
