"""The headline figures of one ``minicnn bench`` run, computed from its rows (every ratio
divides times measured in the same run):

    conv fwd+bwd ÷ ref   per implementation, the median over the ResNet shapes of
                         (conv-fwd + conv-bwd time) ÷ the reference's (cuDNN on the GPU,
                         PyTorch on the CPU)
    conv-fwd peak        per implementation, the fraction of the device's FP32 peak of its
                         conv-fwd on the largest ResNet shape: the most FLOPs, then (the four
                         standard ones tie on FLOPs) the most bytes, i.e. 64×56²
    maxpool bandwidth    per implementation, the fraction of the device's memory bandwidth
                         on the shape that moves the most bytes: the only standard one whose
                         working set is well beyond an H100's 50 MB L2 cache (smaller shapes
                         measure the cache and the launch overhead, not the memory)
    train-step speed-up  per minicnn GPU implementation, the fastest CPU minicnn row's time
                         ÷ its own

A figure whose rows were not measured is left out.
"""

from __future__ import annotations

import statistics

RESNET_PREFIX = "resnet-"
LABELS = {
    "conv_fwd_bwd_ratio_to_reference": "conv fwd+bwd time ÷ reference, median over ResNet shapes",
    "conv_fwd_fraction_of_peak_largest_resnet": "conv-fwd fraction of FP32 peak, largest ResNet",
    "maxpool_fraction_of_bandwidth": "maxpool fraction of memory bandwidth, largest shape",
    "train_step_gpu_speedup_over_cpu": "train-step speed-up over minicnn's fastest CPU row",
}


def summarize(rows: list[dict]) -> dict:
    """The figures above as {figure: {implementation: value}}; empty figures omitted."""
    ok = [row for row in rows if row["status"] == "ok"]
    figures = {
        "conv_fwd_bwd_ratio_to_reference": _fwd_bwd_ratios(ok),
        "conv_fwd_fraction_of_peak_largest_resnet": _largest_forward_peaks(ok),
        "maxpool_fraction_of_bandwidth": _pool_bandwidth(ok),
        "train_step_gpu_speedup_over_cpu": _train_speedups(ok),
    }
    return {name: values for name, values in figures.items() if values}


def summary_lines(figures: dict) -> list[str]:
    """``summarize``'s figures as printed lines."""
    lines = []
    for name, values in figures.items():
        items = []
        for implementation, value in values.items():
            if isinstance(value, dict):
                text = f"{value['shape']} {value['value']:.0%}"
            else:
                text = f"{value:.2f}"
            items.append(f"{implementation} {text}")
        lines.append(f"{LABELS[name]}: " + ", ".join(items))
    return lines


def _fwd_bwd_ratios(rows):
    times = {}  # (implementation, shape) → {op: seconds}
    reference = {}  # implementation → its reference's name
    for row in rows:
        if row["shape"].startswith(RESNET_PREFIX) and row["op"] in ("conv-fwd", "conv-bwd"):
            times.setdefault((row["implementation"], row["shape"]), {})[row["op"]] = row["seconds"]
            reference[row["implementation"]] = row["reference"]
    ratios = {}
    for (name, shape), ops in times.items():
        ref_ops = times.get((reference[name], shape), {})
        if name != reference[name] and len(ops) == 2 and len(ref_ops) == 2:
            ratios.setdefault(name, []).append(sum(ops.values()) / sum(ref_ops.values()))
    return {name: statistics.median(values) for name, values in ratios.items()}


def _largest_forward_peaks(rows):
    forward = [
        row
        for row in rows
        if row["op"] == "conv-fwd"
        and row["shape"].startswith(RESNET_PREFIX)
        and row["fraction_of_peak"] is not None
    ]
    return _on_the_largest_shape(forward, key=lambda row: (row["flops"], row["bytes"]))


def _pool_bandwidth(rows):
    pools = [row for row in rows if row["op"] == "maxpool" and row["fraction_of_peak"] is not None]
    return _on_the_largest_shape(pools, key=lambda row: row["bytes"])


def _on_the_largest_shape(rows, key):
    """{implementation: {"shape", "value": fraction of peak}} on the shape whose rows have the
    largest ``key``."""
    if not rows:
        return {}
    largest = max(rows, key=key)["shape"]
    return {
        row["implementation"]: {"shape": largest, "value": row["fraction_of_peak"]}
        for row in rows
        if row["shape"] == largest
    }


def _train_speedups(rows):
    steps = [row for row in rows if row["op"] == "train-step"]
    cpu = [
        row["seconds"]
        for row in steps
        if row["device"] == "cpu" and row["reference"] != row["implementation"]
    ]
    if not cpu:
        return {}
    return {
        row["implementation"]: min(cpu) / row["seconds"]
        for row in steps
        if row["device"] == "gpu" and row["reference"] != row["implementation"]  # not cuDNN
    }
