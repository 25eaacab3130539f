"""Check minicnn on a CUDA GPU and record what was seen, in benchmarks/results/.

    PYTHONPATH=. python3 benchmarks/gpu_check.py [--skip-train] [--repeats N] [--out DIR]

On a machine that returns only a given folder, pass it as ``--out``; ``--skip-train --repeats
5`` keeps the run within a few minutes (the two 100-epoch trainings take the longest). The
record is written after every stage, so a failure later keeps what was measured.

1. The device: name, compute capability, driver and CUDA runtime versions, CuPy, Numba,
   numba-cuda and NumPy versions.
2. ``pytest -m gpu``: every op on CuPy against NumPy with each kernel set (float64 to 1e-10
   relative, float32), gradient checks on the GPU, Module.to, the fused kernels, a short
   training run against the CPU. Its summary line and exit code are recorded; failed tests
   run once more with warnings shown instead of raised, to tell a new warning from a fault.
3. Kernel timings: im2col, col2im, max-pool forward and backward for a few layer shapes, with
   the CUDA C kernels, their Numba twins, plain CuPy and NumPy on the CPU (median of
   ``--repeats`` runs after a warm-up; GPU times between synchronisations).
4. ``minicnn train --device gpu`` with the digits recipe (100 epochs), beside the same run on
   the CPU: test accuracies and seconds.

Writes gpu_check-<device>-<date>.json into --out (default benchmarks/results/) and prints a
summary.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

# (name, x shape, kernel, stride, padding) — 2-d layers of the seeds' networks
SHAPES = [
    ("lenet c1", (64, 1, 28, 28), (5, 5), (1, 1), (0, 0)),
    ("resnet-cifar 3x3", (64, 64, 32, 32), (3, 3), (1, 1), (1, 1)),
    ("vgg 3x3", (32, 128, 28, 28), (3, 3), (1, 1), (1, 1)),
    ("stem 7x7/2", (32, 3, 112, 112), (7, 7), (2, 2), (3, 3)),
]


def device_info() -> dict:
    import cupy

    runtime = cupy.cuda.runtime
    properties = runtime.getDeviceProperties(0)
    versions = {"numpy": np.__version__, "cupy": cupy.__version__, "python": sys.version.split()[0]}
    for name in ("numba", "numba_cuda"):
        try:
            versions[name] = importlib.import_module(name).__version__
        except (ImportError, AttributeError) as error:
            versions[name] = f"unavailable ({error})"
    name = properties["name"]
    return {
        "name": name.decode() if isinstance(name, bytes) else name,
        "compute_capability": f"{properties['major']}.{properties['minor']}",
        "memory_gib": round(properties["totalGlobalMem"] / 2**30, 1),
        "driver_version": runtime.driverGetVersion(),
        "runtime_version": runtime.runtimeGetVersion(),
        "host": platform.node(),
        "versions": versions,
    }


def run_pytest(timeout: float, arguments=("-m", "gpu")) -> dict:
    """``pytest`` with ``arguments``: exit code, summary line, seconds, failures and skips."""
    command = [sys.executable, "-m", "pytest", *arguments, "-q", "-rfEs", "-p", "no:cacheprovider"]
    start = time.perf_counter()
    try:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode(errors="replace")
        return {
            "command": " ".join(command[1:]),
            "exit_code": "timeout",
            "summary": f"stopped after {timeout:.0f} s",
            "seconds": round(time.perf_counter() - start, 1),
            "output_tail": output[-4000:],
        }
    lines = (result.stdout + result.stderr).strip().splitlines()
    return {
        "command": " ".join(command[1:]),
        "exit_code": result.returncode,
        "summary": lines[-1] if lines else "",
        "seconds": round(time.perf_counter() - start, 1),
        "failures": [line for line in lines if line.startswith(("FAILED", "ERROR"))],
        "skips": [line for line in lines if line.startswith("SKIPPED")],
    }


def rerun_failures_with_warnings_shown(failures: list[str], timeout: float) -> dict:
    """The failed tests once more, with warnings shown instead of raised (the project's
    pytest settings make every warning an error): tells a failure from a new warning."""
    # "FAILED tests/x.py::test[a b] - message": a test's id can hold spaces, not " - "
    node_ids = [line.split(" ", 1)[1].split(" - ", 1)[0] for line in failures]
    return run_pytest(timeout, ("-W", "default", *dict.fromkeys(node_ids)))


def median_ms(function, argument, repeats, synchronize) -> float:
    """Median milliseconds of ``function(argument)`` after one warm-up call."""
    function(argument)
    synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(argument)
        synchronize()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1e3, 4)


def time_kernels(repeats: int) -> list[dict]:
    """One row per (shape, op): milliseconds on the CPU and with each GPU kernel set."""
    rows = []
    for name, shape, kernel, stride, padding in SHAPES:
        rows += time_shape(name, shape, kernel, stride, tuple((p, p) for p in padding), repeats)
    return rows


def time_shape(name, shape, kernel, stride, pairs, repeats) -> list[dict]:
    import cupy

    from minicnn import backend
    from minicnn.ops.geometry import output_shape

    im2col_ops = importlib.import_module("minicnn.ops.im2col")
    pool_ops = importlib.import_module("minicnn.ops.pool")
    dilation = (1, 1)
    out = output_shape(shape[2:], kernel, stride, pairs, dilation)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    cols = im2col_ops.im2col(x, kernel, stride, pairs, dilation, out)
    pooled, cache = pool_ops.max_pool_forward(x, 2)
    cpu = {"x": x, "cols": cols, "dy": np.ones_like(pooled), "cache": cache}
    cases = {
        "im2col": lambda a: im2col_ops.im2col(a["x"], kernel, stride, pairs, dilation, out),
        "col2im": lambda a: im2col_ops.col2im(a["cols"], shape, kernel, stride, pairs, dilation),
        "max_pool_forward 2x2": lambda a: pool_ops.max_pool_forward(a["x"], 2),
        "max_pool_backward 2x2": lambda a: pool_ops.max_pool_backward(a["dy"], a["cache"]),
    }
    rows = []
    for op, function in cases.items():
        row = {"shape": name, "x": list(shape), "op": op}
        row["numpy_cpu_ms"] = median_ms(function, cpu, repeats, lambda: None)
        for kernels in backend.GPU_KERNELS:
            try:  # one kernel set failing must not lose the others' timings
                with backend.gpu_kernels(kernels):
                    gpu = {key: cupy.asarray(cpu[key]) for key in ("x", "cols", "dy")}
                    gpu["cache"] = pool_ops.max_pool_forward(gpu["x"], 2)[1]
                    sync = cupy.cuda.Device().synchronize
                    row[f"{kernels}_ms"] = median_ms(function, gpu, repeats, sync)
            except Exception as error:  # recorded, so that the run goes on
                row[f"{kernels}_error"] = repr(error)
        rows.append(row)
    return rows


def train_digits() -> dict:
    from minicnn.train import TrainConfig, train

    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        for device in ("gpu", "cpu"):
            metrics = train(
                TrainConfig(device=device, out=f"{folder}/{device}"), log=lambda _: None
            )
            runs[device] = {
                "test_accuracy": metrics["test_accuracy"],
                "epochs": metrics["epochs"],
                "seconds": round(metrics["seconds"], 1),
            }
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-train", action="store_true", help="skip the 100-epoch runs")
    parser.add_argument("--repeats", type=int, default=20, help="timed runs per kernel")
    parser.add_argument(
        "--pytest-timeout", type=float, default=420, help="seconds for pytest -m gpu (420)"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="folder for the JSON record (benchmarks/results)"
    )
    args = parser.parse_args()
    from minicnn.cuda.device import cupy_problem

    problem = cupy_problem()
    if problem:
        print(f"gpu_check: no GPU: {problem}", file=sys.stderr)
        return 1
    record = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "device": device_info(),
    }
    device = record["device"]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", device["name"]).strip("-").lower()
    path = args.out / f"gpu_check-{slug}-{record['date'][:10]}.json"
    args.out.mkdir(parents=True, exist_ok=True)

    def save():  # after every stage: a later failure keeps what was measured
        path.write_text(json.dumps(record, indent=2) + "\n")

    print(
        f"device: {device['name']} (CUDA runtime {device['runtime_version']}, "
        f"driver {device['driver_version']})",
        flush=True,
    )
    save()
    record["pytest"] = run_pytest(args.pytest_timeout)
    save()
    print(
        f"pytest -m gpu: {record['pytest']['summary']} (exit code {record['pytest']['exit_code']})",
        flush=True,
    )
    if record["pytest"].get("failures"):
        rerun = rerun_failures_with_warnings_shown(record["pytest"]["failures"], 60)
        record["pytest_failures_with_warnings_shown"] = rerun
        save()
        print(f"the failures again, warnings shown: {rerun['summary']}", flush=True)
    record["kernel_timings_float32"] = time_kernels(args.repeats)
    save()
    for row in record["kernel_timings_float32"]:
        times = "  ".join(
            f"{key[:-3]} {value:.3f}" for key, value in row.items() if key.endswith("_ms")
        )
        errors = "  ".join(
            f"{key}: {value}" for key, value in row.items() if key.endswith("_error")
        )
        print(f"{row['shape']:>18} {row['op']:<22} ms: {times} {errors}".rstrip())
    if not args.skip_train:
        record["train_digits"] = train_digits()
        save()
        print(f"minicnn train (digits, 100 epochs): {record['train_digits']}")
    print(f"wrote {path}")
    return 0 if record["pytest"]["exit_code"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
