"""Convolution forward + backward on the CPU: minicnn against PyTorch and a textbook im2col.

Every implementation computes y = conv(x, W) + b and then dx, dW and db for a given dy, in
float32, on the same arrays. The implementations take turns in rounds: each runs a block of
calls after 50 ms of untimed ones (which find the caches and threads as the previous
implementation left them), so that the machine's noise hits all alike. The table shows
medians over all timed calls and ratios measured in this run. PyTorch runs in a process of its
own with its default settings (see ``torch_worker.py``); minicnn and the
textbook run here with minicnn's. Peak memory (``--memory``) is the growth of the resident
set during one forward + backward (VmHWM after resetting it), in a fresh process per
implementation, after a first call that compiled everything and gave its memory back.

    python benchmarks/conv_cpu.py                  # the table, saved to benchmarks/results/
    python benchmarks/conv_cpu.py --memory         # plus peak memory
    python benchmarks/conv_cpu.py --all-algorithms --chunking

Implementations: ``minicnn`` (the algorithm ``auto`` picks, named in the table), each of
minicnn's algorithms forced (``--all-algorithms``), ``textbook`` (the im2col of the book most
learners start from: windows unrolled to (N, C, *K, *O), transposed to (N·ΠO, C·ΠK), one GEMM,
loops of slice additions for col2im; as written in the book its buffers are float64, so it
computes in float64 — ``textbook-f32`` is the same code with float32 buffers) and ``torch``
(PyTorch CPU, oneDNN, when installed).
"""

from __future__ import annotations

import os

# minicnn's thread settings (see minicnn/__init__.py), set here because NumPy comes first.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import itertools
import json
import math
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from conv_shapes import HEADLINE, SHAPES, conv_flops, make_arrays, relative_error

import minicnn
from minicnn.bench.torch_impl import TorchWorker, torch_environment
from minicnn.ops import conv_select
from minicnn.ops.conv import conv_backward, conv_forward

RESULTS = Path(__file__).parent / "results"
TORCH_WORKER = Path(__file__).with_name("torch_worker.py")


def minicnn_runner(algorithm=None):
    def run(x, weight, bias, grad_out, stride, padding):
        y, cache = conv_forward(x, weight, bias, stride, padding, algorithm=algorithm)
        return (y, *conv_backward(grad_out, cache))

    return run


def textbook_runner(buffer_dtype=None):
    """The im2col convolution of the book most learners start from, generalised to N-d.

    Its windows are unrolled to (N, C, *K, *O), transposed to (N·ΠO, C·ΠK) for one GEMM, and
    col2im adds one slice per kernel tap. As written in the book, its buffers come from
    ``np.zeros(shape)`` without a dtype, so they are float64 and the GEMMs that touch them run
    in float64 (``buffer_dtype=None``); ``buffer_dtype=np.float32`` is the same code with that
    pitfall fixed.
    """

    def run(x, weight, bias, grad_out, stride, padding):
        n, c, *spatial = x.shape
        c_out, _, *kernel = weight.shape
        ndim = len(kernel)
        dtype = np.float64 if buffer_dtype is None else buffer_dtype
        x_padded = np.pad(x, [(0, 0), (0, 0)] + [(padding, padding)] * ndim)
        out = [(s + 2 * padding - k) // stride + 1 for s, k in zip(spatial, kernel)]
        cols = np.zeros((n, c, *kernel, *out), dtype=dtype)
        for tap in itertools.product(*map(range, kernel)):
            window = tuple(slice(k, k + stride * o, stride) for k, o in zip(tap, out))
            cols[(slice(None), slice(None), *tap)] = x_padded[(slice(None), slice(None), *window)]
        # (N, C, *K, *O) → (N, *O, C, *K) → (N·ΠO, C·ΠK): the transpose copies the whole buffer.
        order = (0, *range(2 + ndim, 2 + 2 * ndim), 1, *range(2, 2 + ndim))
        cols = cols.transpose(order).reshape(n * math.prod(out), -1)
        w_matrix = weight.reshape(c_out, -1)
        y = cols @ w_matrix.T + bias
        y = y.reshape(n, *out, c_out).transpose(0, ndim + 1, *range(1, ndim + 1))

        dy = grad_out.transpose(0, *range(2, 2 + ndim), 1).reshape(-1, c_out)
        dbias = dy.sum(axis=0)
        dweight = (cols.T @ dy).T.reshape(weight.shape)
        dcols = (dy @ w_matrix).reshape(n, *out, c, *kernel)
        dcols = dcols.transpose(0, ndim + 1, *range(ndim + 2, 2 * ndim + 2), *range(1, ndim + 1))
        dx_padded = np.zeros(x_padded.shape, dtype=dtype)
        for tap in itertools.product(*map(range, kernel)):
            window = tuple(slice(k, k + stride * o, stride) for k, o in zip(tap, out))
            dx_padded[(slice(None), slice(None), *window)] += dcols[
                (slice(None), slice(None), *tap)
            ]
        interior = tuple(slice(padding, padding + s) for s in spatial)
        return y, dx_padded[(slice(None), slice(None), *interior)], dweight, dbias

    return run


def local_runners(shape_name, all_algorithms):
    """name → runner for the implementations timed in this process."""
    found = {"minicnn": minicnn_runner()}
    if all_algorithms:
        x, weight, bias, _, stride, padding = make_arrays(shape_name)
        for name in conv_select.ALGORITHMS:
            try:
                conv_forward(x[:1], weight, bias, stride, padding, algorithm=name)
            except ValueError:
                continue  # this algorithm does not apply to the shape
            found[name] = minicnn_runner(name)
    found["textbook"] = textbook_runner()
    found["textbook-f32"] = textbook_runner(np.float32)
    return found


WARM_UP = 0.05  # seconds of untimed calls before each turn


def warm_up(run, arrays):
    """Untimed calls for ``WARM_UP`` seconds (at least one): compilation on the first turn,
    and time for the threads of PyTorch's process, which spin for a while after each of its
    calls, to go idle."""
    start = time.perf_counter()
    run(*arrays)
    while time.perf_counter() - start < WARM_UP:
        run(*arrays)


def time_interleaved(shape_name, local, torch, rounds, calls=3):
    """Median seconds per implementation: ``rounds`` turns of ``calls`` timed calls each."""
    arrays = make_arrays(shape_name)
    times = {name: [] for name in local}
    if torch is not None:
        times["torch"] = []
        torch.ask(command="conv", shape=shape_name, count=calls)  # warm-up: oneDNN's kernels
    for _ in range(rounds):
        for name, run in local.items():
            warm_up(run, arrays)
            for _ in range(calls):
                start = time.perf_counter()
                run(*arrays)
                times[name].append(time.perf_counter() - start)
        if torch is not None:
            times["torch"].extend(torch.ask(command="conv", shape=shape_name, count=calls))
    return {name: float(np.median(values)) for name, values in times.items()}


def errors_vs_float64(shape_name, local, torch):
    """Each implementation's largest error relative to a float64 computation."""
    x, weight, bias, grad_out, stride, padding = make_arrays(shape_name)
    as64 = [a.astype(np.float64) for a in (x, weight, bias, grad_out)]
    exact = minicnn_runner("im2col")(*as64, stride, padding)
    errors = {
        name: relative_error(run(*make_arrays(shape_name)), exact) for name, run in local.items()
    }
    if torch is not None:
        errors["torch"] = torch.ask(command="conv-error", shape=shape_name)  # PyTorch's float64
    return errors


def sgemm_peak(size=2048, rounds=5) -> float:
    """Measured float32 GEMM rate of NumPy's BLAS, GFLOP/s."""
    a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    a @ a
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        a @ a
        times.append(time.perf_counter() - start)
    return 2 * size**3 / float(np.median(times)) / 1e9


MEMORY_PROBE = """
import ctypes, gc, sys
sys.path.insert(0, {folder!r})
from conv_shapes import make_arrays
if {torch!r}:
    from torch_worker import conv, tensors
    arrays, run = tensors({shape!r}), conv
else:
    import conv_cpu
    from minicnn.ops import workspace
    arrays, run = make_arrays({shape!r}), conv_cpu.local_runners({shape!r}, True)[{name!r}]
run(*arrays)  # compile, build kernels; then give everything back before measuring
if not {torch!r}:
    workspace.release()
gc.collect()
ctypes.CDLL("libc.so.6").malloc_trim(0)

def status(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(field))

with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the peak resident set (VmHWM) starts again from here
base = status("VmRSS:")
run(*arrays)
print((status("VmHWM:") - base) * 1024)
"""


def peak_memory(shape_name, name) -> int:
    """Peak resident-set growth (bytes) during one forward + backward, in a fresh process."""
    is_torch = name == "torch"
    code = MEMORY_PROBE.format(
        folder=str(Path(__file__).parent), shape=shape_name, torch=is_torch, name=name
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=torch_environment() if is_torch else None,
    )
    return int(result.stdout.split()[-1])


CHUNKING_CASES = [
    ("resnet-cifar", "im2col-numba"),
    ("resnet-cifar", "winograd"),
    ("vgg-mid", "im2col-numba"),
    ("imagenet-stem", "im2col-numba"),
]


def chunking_cost(shape_name, algorithm, parts, rounds):
    """Time with a workspace limit that splits the batch into ``parts`` chunks, over the
    time without a limit (both with ``algorithm``)."""
    x, weight, bias, _, stride, padding = make_arrays(shape_name)
    _, cache = conv_forward(x, weight, bias, stride, padding, algorithm=algorithm)
    method = conv_select.ALGORITHMS[algorithm]
    per_image = method.workspace_bytes(x.shape, weight.shape, cache.geometry, x.dtype.itemsize)
    limit = per_image * math.ceil(x.shape[0] / parts)
    default = conv_select.get_workspace_limit()

    def bounded(*arrays):
        conv_select.set_workspace_limit(limit)
        try:
            return minicnn_runner(algorithm)(*arrays)
        finally:
            conv_select.set_workspace_limit(default)

    local = {"unbounded": minicnn_runner(algorithm), "bounded": bounded}
    times = time_interleaved(shape_name, local, None, rounds)
    return {
        "shape": shape_name,
        "algorithm": algorithm,
        "chunks": parts,
        "workspace_unbounded_bytes": per_image * x.shape[0],
        "workspace_limit_bytes": limit,
        "time_ratio": times["bounded"] / times["unbounded"],
    }


def machine_info(torch):
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "minicnn": minicnn.__version__,
        "numba": __import__("numba").__version__,
        "torch": None if torch is None else torch.versions,
    }
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line]
        info["cpu"] = names[0] if names else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    return info


TABLE_HEADER = (
    f"{'shape':14s} {'algorithm':13s} {'minicnn':>8s} {'torch':>8s} {'ratio':>5s} "
    f"{'vs book':>7s} {'vs f32':>7s} {'GFLOP/s':>7s} {'sgemm':>5s}"
)
MEMORY_HEADER = f" {'MiB':>6s} {'torch':>6s}"


def format_row(row, peak):
    """One line of the table: times in ms, ratios, minicnn's rate, and memory if measured."""
    seconds = row["seconds"]
    mine = seconds["minicnn"]
    if "torch" in seconds:  # not with --no-torch
        torch_columns = f"{seconds['torch'] * 1e3:8.2f} {mine / seconds['torch']:5.2f}"
    else:
        torch_columns = f"{'—':>8s} {'—':>5s}"
    line = (
        f"{row['shape']:14s} {row['algorithm']:13s} {mine * 1e3:8.2f} {torch_columns} "
        f"{seconds['textbook'] / mine:6.1f}× "
        f"{seconds['textbook-f32'] / mine:6.1f}× {row['gflops']:7.0f} {row['gflops'] / peak:5.0%}"
    )
    if "peak_memory_bytes" in row:
        memory = row["peak_memory_bytes"]
        torch_mib = f"{memory['torch'] / 2**20:6.1f}" if "torch" in memory else f"{'—':>6s}"
        line += f" {memory['minicnn'] / 2**20:6.1f} {torch_mib}"
    forced = [f"{k} {v * 1e3:.2f}" for k, v in seconds.items() if k in conv_select.ALGORITHMS]
    if forced:
        line += "   (" + ", ".join(forced) + " ms)"
    return line


def summarize(rows):
    headline = [row for row in rows if row["shape"] in HEADLINE]
    summary = {}
    if len(headline) < len(HEADLINE):  # the medians are over all five headline shapes
        return summary
    if all("torch" in row["seconds"] for row in headline):
        ratios = [row["seconds"]["minicnn"] / row["seconds"]["torch"] for row in headline]
        summary["median_ratio_vs_torch"] = float(np.median(ratios))
    for textbook in ("textbook", "textbook-f32"):
        speedups = [row["seconds"][textbook] / row["seconds"]["minicnn"] for row in headline]
        summary[f"median_speedup_vs_{textbook}"] = float(np.median(speedups))
    return summary


def format_summary(result):
    summary = result["summary"]
    lines = [f"sgemm {result['sgemm_gflops']:.0f} GFLOP/s (NumPy's BLAS, 2048³)"]
    if "median_ratio_vs_torch" in summary:
        lines.append(
            "median time ratio minicnn / torch over the five headline shapes: "
            f"{summary['median_ratio_vs_torch']:.2f}"
        )
    if "median_speedup_vs_textbook" in summary:
        lines.append(
            f"median speed-up over the textbook im2col: "
            f"{summary['median_speedup_vs_textbook']:.1f}× as written (float64 buffers), "
            f"{summary['median_speedup_vs_textbook-f32']:.1f}× with float32 buffers"
        )
    for case in result.get("chunking", []):
        lines.append(
            f"bounded workspace, {case['shape']} with {case['algorithm']}: "
            f"{case['workspace_unbounded_bytes'] / 2**20:.0f} MiB in {case['chunks']} chunks of "
            f"at most {case['workspace_limit_bytes'] / 2**20:.0f} MiB costs "
            f"×{case['time_ratio']:.2f} in time"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--rounds", type=int, default=7, help="turns of 3 calls (default: 7)")
    parser.add_argument("--all-algorithms", action="store_true", help="time each algorithm")
    parser.add_argument("--memory", action="store_true", help="measure peak memory")
    parser.add_argument("--chunking", action="store_true", help="cost of a bounded workspace")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS / "conv_cpu.json",
        help="JSON file for the results (default: benchmarks/results/conv_cpu.json)",
    )
    args = parser.parse_args(argv)

    peak = sgemm_peak()
    torch = None if args.no_torch else TorchWorker.start(TORCH_WORKER)[0]
    print("times in ms (medians); ratio = minicnn / torch; vs book, vs f32 = textbook / minicnn")
    print(TABLE_HEADER + (MEMORY_HEADER if args.memory else ""))
    rows = []
    for shape_name in args.shapes:
        local = local_runners(shape_name, args.all_algorithms)
        seconds = time_interleaved(shape_name, local, torch, args.rounds)
        x, weight, bias, _, stride, padding = make_arrays(shape_name)
        row = {
            "shape": shape_name,
            "algorithm": conv_forward(x, weight, bias, stride, padding)[1].algorithm,
            "seconds": seconds,
            "gflops": conv_flops(shape_name) / seconds["minicnn"] / 1e9,
            "error_vs_float64": errors_vs_float64(shape_name, local, torch),
        }
        if args.memory:
            names = ["minicnn", "textbook", "textbook-f32"] + ["torch"] * (torch is not None)
            row["peak_memory_bytes"] = {name: peak_memory(shape_name, name) for name in names}
        rows.append(row)
        print(format_row(row, peak), flush=True)

    result = {
        "machine": machine_info(torch),
        "sgemm_gflops": peak,
        "rounds": args.rounds,
        "rows": rows,
        "summary": summarize(rows),
    }
    if args.chunking:
        result["chunking"] = [
            chunking_cost(shape_name, algorithm, parts, args.rounds)
            for shape_name, algorithm in CHUNKING_CASES
            for parts in (2, 4)
        ]
    if torch is not None:
        torch.close()
    print(format_summary(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
