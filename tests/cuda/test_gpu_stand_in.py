"""The GPU test suite (``test_gpu.py``, marker ``gpu``) on a machine without a GPU, with
``stand_in/cupy`` in CuPy's place: NumPy arithmetic behind CuPy's rules (no implicit
conversion to NumPy, no mixing of host and device arrays), and the CUDA C kernels run from
their host build (``host/``). It checks minicnn's GPU code paths end to end -- dispatch,
``Module.to``, the launchers, the algorithm choice, the training loop on ``device="gpu"``,
``minicnn bench``'s GPU rows -- but not the GPU: timings, NVRTC at run time, the Numba
kernels on a device (skipped here, saying so) and the hardware's float32 rounding are left to
a real one.

Each run is a fresh process: ``cupy`` must be the stand-in from the first import on."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
STAND_IN = Path(__file__).parent / "stand_in"
# The training run of test_gpu.py uses the implicit GEMM, whose host build runs each GPU thread
# as an OS thread: minutes for a training run. Here the run takes im2col + GEMM (the implicit
# GEMM is checked op by op by the suite), two epochs on each device.
TRAINING = """
import numpy as np
from minicnn.ops import conv_select
from minicnn.train import TrainConfig, train

with conv_select.conv_algorithm("im2col"):
    runs = {
        device: train(TrainConfig(epochs=2, device=device, out=OUT + device), log=lambda _: None)
        for device in ("cpu", "gpu")
    }
cpu, gpu = runs["cpu"], runs["gpu"]
assert gpu["test_accuracy"] > 0.6, gpu["test_accuracy"]
assert abs(gpu["test_accuracy"] - cpu["test_accuracy"]) <= 0.02
for cpu_epoch, gpu_epoch in zip(cpu["history"], gpu["history"]):
    assert np.isclose(gpu_epoch["train_loss"], cpu_epoch["train_loss"], rtol=1e-2)
print("accuracy", cpu["test_accuracy"], gpu["test_accuracy"])
"""


def run_with_stand_in(command, **kwargs):
    paths = [str(STAND_IN), str(ROOT), os.environ.get("PYTHONPATH", "")]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    environment.pop("NUMBA_ENABLE_CUDASIM", None)
    result = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900, **kwargs
    )
    return result.returncode, result.stdout + result.stderr


def test_the_gpu_suite_passes_on_the_stand_in(tmp_path):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "gpu"]
    command += ["-k", "not short_training_run", "--basetemp", str(tmp_path)]
    command.append("tests/cuda/test_gpu.py")
    returncode, report = run_with_stand_in(command)
    assert returncode == 0, report
    summary = report.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 110, report
    assert "failed" not in summary and "error" not in summary, report
    skips = re.findall(r"^SKIPPED \[\d+\] .*$", report, re.MULTILINE)
    assert all("numba.cuda.is_available() is False" in skip for skip in skips), skips


def test_training_on_the_stand_in_matches_the_cpu(tmp_path):
    script = f"OUT = {str(tmp_path) + os.sep!r}\n{TRAINING}"
    returncode, report = run_with_stand_in([sys.executable, "-c", script])
    assert returncode == 0, report
    assert "accuracy" in report, report


def test_the_stand_in_refuses_what_cupy_refuses():
    script = """
import numpy as np, cupy
device = cupy.asarray(np.ones(3))
for attempt in (lambda: np.asarray(device), lambda: device + np.ones(3),
                lambda: cupy.add(device, np.ones(3)), lambda: np.concatenate([device, np.ones(3)])):
    try:
        attempt()
    except TypeError:
        continue
    raise AssertionError("allowed")
assert type(device.sum()) is cupy.ndarray and device.sum().shape == ()
print("refused")
"""
    returncode, report = run_with_stand_in([sys.executable, "-c", script])
    assert returncode == 0 and "refused" in report, report


def test_minicnn_bench_times_the_gpu_rows_on_the_stand_in(tmp_path):
    command = [sys.executable, "-m", "minicnn", "bench", "--quick", "--ops", "conv-fwd"]
    command += ["maxpool", "--impl", "cuda-c", "implicit-gemm", "--out", str(tmp_path)]
    command += ["--shapes", "lenet-conv2"]
    returncode, report = run_with_stand_in(command)
    assert returncode == 0, report
    (result,) = tmp_path.glob("bench-*.json")
    bench = json.loads(result.read_text())
    assert bench["machine"]["gpu"]["name"] == "stand-in for CuPy (no GPU)"
    rows = {(row["op"], row["implementation"]): row for row in bench["rows"]}
    for key in [("conv-fwd", "cuda-c"), ("conv-fwd", "implicit-gemm"), ("maxpool", "cuda-c")]:
        assert rows[key]["status"] == "ok" and rows[key]["device"] == "gpu", rows[key]
    assert rows["conv-fwd", "implicit-gemm"]["algorithm"] == "implicit-gemm"
    assert len(list(tmp_path.glob("*.png"))) == 2  # the bars and the roofline
