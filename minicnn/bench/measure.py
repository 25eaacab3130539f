"""The measurement loop: every implementation on every case, in interleaved turns.

For one case, the implementations take turns ``rounds`` times; each turn is a warm-up and
``calls`` timed calls (``timing.py``). Interleaving spreads the machine's noise over all of
them alike, and every ratio compares times measured in the same minutes. A row's time is the
median of its ``rounds × calls`` timed calls.

Every (case, implementation) pair gives a row: ``"ok"`` with its time, rate, fraction of the
device's peak and ratio to the reference of its device, or ``"unavailable"`` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import work
from .implementations import REFERENCE
from .shapes import Case
from .timing import Unavailable


@dataclass
class Context:
    """What the implementations share for a run: the PyTorch worker, or why there is none."""

    torch: object | None = None
    torch_problem: str | None = None


def measure_case(case: Case, implementations, context, rounds, calls, warm_up) -> list[dict]:
    """One row per implementation for ``case``, in the implementations' order."""
    prepared, reasons = {}, {}
    for implementation in implementations:
        reason = implementation.problem(context)
        if reason is None:
            try:
                prepared[implementation.name] = implementation.prepare(case, context)
            except Unavailable as error:
                reason = str(error)
        if reason is not None:
            reasons[implementation.name] = reason
    seconds = {name: [] for name in prepared}
    for _ in range(rounds):
        for name, ready in prepared.items():
            seconds[name] += ready.timer(calls, warm_up)

    rows = []
    for implementation in implementations:
        row = {
            "op": case.op,
            "shape": case.label,
            "implementation": implementation.name,
            "device": implementation.device,
        }
        if implementation.name in reasons:
            row.update(status="unavailable", reason=reasons[implementation.name])
        else:
            times = seconds[implementation.name]
            row.update(
                status="ok",
                algorithm=prepared[implementation.name].algorithm,
                seconds=float(np.median(times)),
                timed_calls=len(times),
            )
        rows.append(row)
    return rows


def add_rates(rows: list[dict], case: Case, peaks: dict) -> None:
    """Add the work, the rate, the fraction of the device's peak and the ratio to the
    reference to each measured row of one case. ``peaks``: device → {"flops",
    "bytes_per_second"} (values None where unknown)."""
    seconds = {row["implementation"]: row.get("seconds") for row in rows}
    for row in rows:
        row.update(flops=work.flops(case), bytes=work.bytes_moved(case))
        if row["status"] != "ok":
            continue
        rate, unit = work.rate(case, row["seconds"])
        peak = (peaks.get(row["device"]) or {}).get(
            "flops" if unit == "GFLOP/s" else "bytes_per_second"
        )
        reference = REFERENCE[row["device"]]
        reference_seconds = seconds.get(reference)
        row.update(
            rate=rate,
            rate_unit=unit,
            fraction_of_peak=rate * 1e9 / peak if peak else None,
            reference=reference,
            ratio_to_reference=row["seconds"] / reference_seconds if reference_seconds else None,
        )
