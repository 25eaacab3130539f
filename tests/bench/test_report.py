"""The printed table: one line per measured row, footnotes for the unavailable ones."""

from minicnn.bench.report import Table, format_row

ROW = {
    "op": "conv-fwd",
    "shape": "lenet-conv1",
    "implementation": "numpy",
    "device": "cpu",
    "status": "ok",
    "algorithm": "im2col",
    "seconds": 2e-3,
    "rate": 9.216,
    "rate_unit": "GFLOP/s",
    "fraction_of_peak": 0.09216,
    "reference": "torch-cpu",
    "ratio_to_reference": 2.0,
}


def test_a_row_reads_milliseconds_rate_percent_of_peak_and_ratio():
    assert format_row(ROW).split() == [
        *("conv-fwd", "lenet-conv1", "numpy", "(im2col)", "2.000", "9.2", "GFLOP/s"),
        *("9%", "2.00"),
    ]
    reference = dict(ROW, implementation="torch-cpu", algorithm=None, fraction_of_peak=None)
    assert format_row(dict(reference, ratio_to_reference=1.0)).split()[2:] == [
        *("torch-cpu", "2.000", "9.2", "GFLOP/s", "—", "ref"),
    ]


def test_unavailable_rows_share_a_footnote_per_reason():
    rows = [
        dict(ROW, implementation=name, device="gpu", status="unavailable", reason=reason)
        for name, reason in [("cuda-c", "no GPU: a"), ("numba-cuda", "no GPU: a"), ("cudnn", "b")]
    ]
    table = Table()
    assert table.case_lines(rows) == (
        "conv-fwd         lenet-conv1    unavailable: cuda-c [1], numba-cuda [1], cudnn [2]"
    )
    assert table.footnotes() == "[1] no GPU: a\n[2] b"
