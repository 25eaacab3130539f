"""The arguments of ``minicnn bench`` and the run they start.

    minicnn bench                      # every op, shape and implementation
    minicnn bench --quick              # the LeNet shapes, 2 rounds: seconds on a CPU
    minicnn bench --ops conv-fwd --shapes resnet-128x28 --impl auto torch-cpu

Writes ``OUT/bench-<device>.json`` (machine, peaks, settings, every row) and
``OUT/bench-<device>.png`` (bars), plus ``OUT/bench-<device>-roofline.png`` when GPU rows
were measured; ``<device>`` is the GPU's name, or ``cpu``. The JSON is rewritten after every
case, with ``"complete": false`` until the last, so a run stopped early (by a time limit on a
lent GPU, say) keeps the rows it measured.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..arguments import non_negative_float, positive_int
from ..serialization import write_atomically
from . import implementations, machine, plot
from .measure import Context, add_rates, measure_case
from .report import HEADER, Table
from .shapes import OPS, QUICK_SHAPES, SHAPES, make_cases
from .summary import summarize, summary_lines
from .torch_impl import TorchImplementation, TorchWorker

DEFAULT_OUT = Path("benchmarks") / "results"
ROUNDS, QUICK_ROUNDS = 5, 2


def add_bench_parser(commands) -> None:
    """Add ``bench`` to the ``minicnn`` subcommands."""
    parser = commands.add_parser(
        "bench",
        help="time convolution, pooling and a training step: minicnn on the CPU and GPU "
        "against PyTorch and cuDNN",
        description="Time each op on each shape with each implementation (interleaved turns, "
        "medians); print a table, write JSON and a PNG plot. Implementations that cannot run "
        "here (no GPU, no PyTorch) are listed as unavailable, with the reason.",
    )
    parser.add_argument(
        "--ops",
        nargs="+",
        choices=OPS,
        default=list(OPS),
        metavar="OP",
        help=f"{', '.join(OPS)} (default: all)",
    )
    parser.add_argument(
        "--shapes",
        nargs="+",
        choices=list(SHAPES),
        metavar="SHAPE",
        help=f"{', '.join(SHAPES)} (default: all; with --quick: {', '.join(QUICK_SHAPES)})",
    )
    parser.add_argument(
        "--impl",
        nargs="+",
        choices=implementations.NAMES,
        default=list(implementations.NAMES),
        metavar="NAME",
        help=f"{', '.join(implementations.NAMES)} (default: all)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"the LeNet shapes and {QUICK_ROUNDS} rounds (--shapes and --rounds still apply)",
    )
    parser.add_argument(
        "--rounds", type=positive_int, help=f"turns per implementation (default: {ROUNDS})"
    )
    parser.add_argument(
        "--calls", type=positive_int, default=3, help="timed calls per turn (default: 3)"
    )
    parser.add_argument(
        "--warm-up",
        type=non_negative_float,
        default=0.05,
        metavar="SECONDS",
        help="seconds of untimed calls before each turn, at least one call (default: 0.05)",
    )
    parser.add_argument(
        "--batch", type=positive_int, help="N of every shape (default: the shape's)"
    )
    parser.add_argument(
        "--train-batch", type=positive_int, default=256, help="batch of the training step (256)"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)"
    )


def run_bench(args) -> dict:
    """Measure, print the table, write JSON and plots; return the JSON's contents."""
    shape_names = args.shapes or (list(QUICK_SHAPES) if args.quick else list(SHAPES))
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS)
    cases = make_cases(args.ops, shape_names, args.batch, args.train_batch)
    chosen = implementations.select(args.impl)
    context = Context()
    if any(isinstance(implementation, TorchImplementation) for implementation in chosen):
        context.torch, context.torch_problem = TorchWorker.start()
    try:
        info = machine.machine_info(context.torch.versions if context.torch else None)
        gpu_name = (info["gpu"] or {}).get("name") or (info["torch"] or {}).get("gpu")
        peaks = {
            "cpu": machine.cpu_peaks(),
            "gpu": machine.gpu_peaks(gpu_name) if gpu_name else None,
        }
        print(_peaks_line(peaks))
        device = gpu_name or "cpu"
        stem = "bench-" + re.sub(r"[^a-z0-9]+", "-", device.lower()).strip("-")
        args.out.mkdir(parents=True, exist_ok=True)
        paths = [args.out / f"{stem}.json", args.out / f"{stem}.png"]
        result = _record(info, peaks, args, shape_names, rounds, chosen)
        rows = result["rows"]
        print(HEADER, flush=True)
        table = Table()
        for case in cases:
            case_rows = measure_case(case, chosen, context, rounds, args.calls, args.warm_up)
            add_rates(case_rows, case, peaks)
            print(table.case_lines(case_rows), flush=True)
            rows += case_rows
            result["summary"] = summarize(rows)
            _write_json(paths[0], result)
    finally:
        if context.torch is not None:
            context.torch.close()
    if table.reasons:
        print(table.footnotes())
    for line in summary_lines(result["summary"]):
        print(line)
    result["complete"] = True
    _write_json(paths[0], result)
    plot.plot_bars(rows, paths[1], f"minicnn bench on {device}")
    if any(row["device"] == "gpu" and row["status"] == "ok" for row in rows):
        paths.append(args.out / f"{stem}-roofline.png")
        plot.plot_roofline(rows, peaks["gpu"], paths[2], f"roofline, {device}")
    print("wrote " + ", ".join(map(str, paths)))
    return result


def _record(info, peaks, args, shape_names, rounds, chosen) -> dict:
    """The JSON's contents before the first case: no rows yet, not complete."""
    return {
        "machine": info,
        "peaks": peaks,
        "settings": {
            "ops": args.ops,
            "shapes": shape_names,
            "batch": args.batch,
            "train_batch": args.train_batch,
            "rounds": rounds,
            "calls": args.calls,
            "warm_up_seconds": args.warm_up,
            "implementations": {impl.name: impl.description for impl in chosen},
        },
        "rows": [],
        "summary": summarize([]),
        "complete": False,
    }


def _write_json(path: Path, result: dict) -> None:
    """``result`` as indented JSON, replacing ``path`` whole (never half written)."""
    text = json.dumps(result, indent=2) + "\n"
    write_atomically(path, lambda file: file.write(text.encode()))


def _peaks_line(peaks: dict) -> str:
    cpu = peaks["cpu"]
    line = (
        f"CPU peaks ({cpu['how']}): {cpu['flops'] / 1e9:.0f} GFLOP/s, "
        f"{cpu['bytes_per_second'] / 1e9:.1f} GB/s"
    )
    gpu = peaks["gpu"]
    if gpu and gpu["flops"]:
        line += (
            f"; GPU peaks ({gpu['how']}): {gpu['flops'] / 1e12:.0f} TFLOP/s FP32, "
            f"{gpu['bytes_per_second'] / 1e12:.2f} TB/s"
        )
    elif gpu:
        line += f"; GPU peaks {gpu['how']}"
    return line
