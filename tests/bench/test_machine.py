"""Peaks: measured on the CPU, from the data sheet for a GPU recognised by name."""

from types import SimpleNamespace

from minicnn.bench import machine


def test_gpu_peaks_by_name():
    expected = {
        "NVIDIA H100 80GB HBM3": (67e12, 3.35e12),
        "NVIDIA H100 PCIe": (51e12, 2.0e12),
        "NVIDIA H100 NVL": (60e12, 3.9e12),
        "NVIDIA H200": (67e12, 4.8e12),  # the other kind a lent machine may be
        "NVIDIA H200 NVL": (60e12, 4.8e12),  # not the H200's peaks
    }
    for name, (flops, bandwidth) in expected.items():
        peaks = machine.gpu_peaks(name)
        assert (peaks["flops"], peaks["bytes_per_second"], peaks["how"]) == (
            flops,
            bandwidth,
            "data sheet",
        ), name
    other = machine.gpu_peaks("NVIDIA GeForce RTX 4090")
    assert other["flops"] is None and "unknown" in other["how"]


def test_cpu_peaks_are_measured():
    peaks = machine.cpu_peaks(size=256, copy_mib=1, rounds=1)
    assert peaks["flops"] > 1e8 and peaks["bytes_per_second"] > 1e8


def test_cpu_peaks_count_two_flops_per_multiply_add_and_copy_both_ways(monkeypatch):
    monkeypatch.setattr(machine, "median_seconds", lambda function, rounds: 0.5)
    peaks = machine.cpu_peaks(size=64, copy_mib=1, rounds=1)
    assert peaks["flops"] == 2 * 64**3 / 0.5
    assert peaks["bytes_per_second"] == 2 * 2**20 / 0.5


def test_median_seconds_warms_up_once_then_takes_the_median(monkeypatch):
    durations = iter([9.0, 4.0, 1.0, 2.0])  # the first call is the warm-up
    now = [0.0]

    def function():
        now[0] += next(durations)

    monkeypatch.setattr(machine, "time", SimpleNamespace(perf_counter=lambda: now[0]))
    assert machine.median_seconds(function, 3) == 2.0  # mean 7/3, least 1
