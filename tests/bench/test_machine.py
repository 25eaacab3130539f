"""Peaks: measured on the CPU, from the data sheet for a GPU recognised by name."""

from minicnn.bench import machine


def test_gpu_peaks_by_name():
    h100 = machine.gpu_peaks("NVIDIA H100 80GB HBM3")
    assert (h100["flops"], h100["bytes_per_second"]) == (67e12, 3.35e12)
    other = machine.gpu_peaks("NVIDIA GeForce RTX 4090")
    assert other["flops"] is None and "unknown" in other["how"]


def test_cpu_peaks_are_measured():
    peaks = machine.cpu_peaks(size=256, copy_mib=1, rounds=1)
    assert peaks["flops"] > 1e8 and peaks["bytes_per_second"] > 1e8
