"""The figures of ``minicnn bench``: bars per implementation per shape, and a GPU roofline.

Bars: one panel per op, the shapes along x, one bar per implementation, the height its rate
(GFLOP/s, or GB/s for pooling; higher is faster). Unavailable rows have no bar; the figure's
footer names them.

Roofline (only when GPU rows were measured): for the convolution rows, the rate against the
arithmetic intensity (FLOPs per byte of least memory traffic, ``work.py``) on log axes,
under the roof min(FP32 peak, intensity × memory bandwidth) of the GPU when its peaks are
known. A point near the sloped part is limited by memory, near the flat part by arithmetic.
"""

from __future__ import annotations

from pathlib import Path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_bars(rows: list[dict], path: Path, title: str) -> None:
    """Write the bar chart of ``rows`` (the ``minicnn bench`` JSON rows) to ``path``."""
    plt = _pyplot()
    ops = list(dict.fromkeys(row["op"] for row in rows))
    names = list(dict.fromkeys(row["implementation"] for row in rows))
    colors = {name: f"C{i}" for i, name in enumerate(names)}
    figure, axes = plt.subplots(len(ops), 1, figsize=(10, 2.8 * len(ops)), squeeze=False)
    for ax, op in zip(axes[:, 0], ops):
        op_rows = [row for row in rows if row["op"] == op]
        shapes = list(dict.fromkeys(row["shape"] for row in op_rows))
        measured = [row for row in op_rows if row["status"] == "ok"]
        shown = [name for name in names if any(r["implementation"] == name for r in measured)]
        width = 0.8 / max(len(shown), 1)
        for i, name in enumerate(shown):
            for row in measured:
                if row["implementation"] == name:
                    x = shapes.index(row["shape"]) + (i - (len(shown) - 1) / 2) * width
                    ax.bar(x, row["rate"], width, color=colors[name], label=name)
        ax.set_xticks(range(len(shapes)), shapes)
        unit = measured[0]["rate_unit"] if measured else ""
        ax.set_ylabel(unit)
        ax.set_title(op, loc="left")
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        if unique:
            ax.legend(unique.values(), unique.keys(), fontsize=8, loc="upper left")
    figure.suptitle(title)
    figure.text(0.01, 0.005, _missing_bars(rows, names, ops), fontsize=8)
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _missing_bars(rows, names, ops) -> str:
    """The footer naming the unavailable rows: per implementation, "all ops" or which."""
    parts = []
    for name in names:
        missing = [r["op"] for r in rows if r["implementation"] == name and r["status"] != "ok"]
        missing = list(dict.fromkeys(missing))
        if missing:
            parts.append(f"{name} ({'all ops' if missing == ops else ', '.join(missing)})")
    return "unavailable, no bar (reasons in the JSON): " + "; ".join(parts) if parts else ""


def plot_roofline(rows: list[dict], peaks: dict, path: Path, title: str) -> None:
    """Write the roofline of the measured GPU convolution rows to ``path``."""
    plt = _pyplot()
    points = [
        row
        for row in rows
        if row["device"] == "gpu" and row["status"] == "ok" and row["op"].startswith("conv")
    ]
    figure, ax = plt.subplots(figsize=(8, 5.5))
    names = list(dict.fromkeys(row["implementation"] for row in points))
    markers = dict(zip(["conv-fwd", "conv-bwd", "conv-bwd-data", "conv-bwd-weights"], "os^v"))
    for i, name in enumerate(names):
        for row in points:
            if row["implementation"] == name:
                intensity = row["flops"] / row["bytes"]
                ax.scatter(intensity, row["rate"], color=f"C{i}", marker=markers[row["op"]])
        ax.scatter([], [], color=f"C{i}", label=name)
    for op, marker in markers.items():
        ax.scatter([], [], color="gray", marker=marker, label=op)
    flops, bandwidth = peaks.get("flops"), peaks.get("bytes_per_second")
    if flops and bandwidth and points:
        intensities = [row["flops"] / row["bytes"] for row in points]
        low, high = min(intensities) / 4, max(intensities) * 4
        ridge = flops / bandwidth
        xs = [low, ridge, high] if low < ridge < high else [low, high]
        ax.plot(xs, [min(flops, x * bandwidth) / 1e9 for x in xs], "k-", label="roof")
    else:
        ax.text(0.02, 0.02, "peaks unknown for this GPU: no roof", transform=ax.transAxes)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity, FLOP per byte")
    ax.set_ylabel("GFLOP/s")
    ax.set_title(title)
    ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
