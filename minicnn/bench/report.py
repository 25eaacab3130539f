"""The printed table of ``minicnn bench``.

One line per measured row: op, shape, implementation (and the convolution algorithm that
ran), median time, rate (GFLOP/s, or GB/s for pooling), fraction of the device's peak, and
time ÷ the reference's time (PyTorch CPU for CPU rows, cuDNN for GPU rows; "ref" on the
reference itself). The implementations that could not run a case follow on one line, each
with a footnote number; the footnotes, printed at the end, say why.
"""

from __future__ import annotations

HEADER = (
    f"{'op':16s} {'shape':14s} {'implementation':26s} {'time ms':>9s} "
    f"{'rate':>15s} {'peak':>5s} {'÷ ref':>6s}"
)


class Table:
    """Formats rows case by case, numbering the reasons for unavailable rows as it goes."""

    def __init__(self):
        self.reasons: dict[str, int] = {}  # reason → footnote number

    def case_lines(self, rows: list[dict]) -> str:
        """The lines of one case's rows."""
        lines, missing = [], []
        for row in rows:
            if row["status"] == "ok":
                lines.append(format_row(row))
            else:
                number = self.reasons.setdefault(row["reason"], len(self.reasons) + 1)
                missing.append(f"{row['implementation']} [{number}]")
        if missing:
            first = rows[0]
            lines.append(
                f"{first['op']:16s} {first['shape']:14s} unavailable: {', '.join(missing)}"
            )
        return "\n".join(lines)

    def footnotes(self) -> str:
        return "\n".join(f"[{number}] {reason}" for reason, number in self.reasons.items())


def format_row(row: dict) -> str:
    """One measured row as a line of the table."""
    name = row["implementation"]
    if row.get("algorithm"):
        name += f" ({row['algorithm']})"
    rate = f"{row['rate']:.1f} {row['rate_unit']}"
    peak = row["fraction_of_peak"]
    ratio = row["ratio_to_reference"]
    if row["implementation"] == row["reference"]:
        ratio_text = "ref"
    else:
        ratio_text = "—" if ratio is None else f"{ratio:.2f}"
    return (
        f"{row['op']:16s} {row['shape']:14s} {name:26s} {row['seconds'] * 1e3:9.3f} "
        f"{rate:>15s} {'—' if peak is None else f'{peak:.0%}':>5s} {ratio_text:>6s}"
    )
