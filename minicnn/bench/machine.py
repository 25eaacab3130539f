"""The machine a benchmark ran on, and the peaks its rates are compared with.

CPU peaks are measured in the same run, with NumPy (so minicnn's GEMM library):

    FLOP/s  float32 matrix product of two 2048×2048 matrices: 2·2048³ / median time
    B/s     a copy of 64 MiB into another 64 MiB array: 2·64 MiB (read + write) / median time

GPU peaks come from the device's data sheet, recognised by name; an unknown GPU has unknown
peaks (the fraction-of-peak column then stays empty).
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np

# name fragment → (FP32 FLOP/s without tensor cores, memory bytes/s), from NVIDIA's data
# sheets; the first fragment found in the device's name wins, so "H200 NVL" comes before
# "H200". The H100 SXM calls itself "NVIDIA H100 80GB HBM3".
GPU_PEAKS = {
    "H100 80GB HBM3": (67e12, 3.35e12),
    "H100 PCIe": (51e12, 2.0e12),
    "H100 NVL": (60e12, 3.9e12),
    "H200 NVL": (60e12, 4.8e12),
    "H200": (67e12, 4.8e12),
}


def median_seconds(function, rounds: int) -> float:
    function()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def cpu_peaks(size: int = 2048, copy_mib: int = 64, rounds: int = 3) -> dict:
    """Measured float32 GEMM rate (FLOP/s) and copy bandwidth (bytes/s) of NumPy."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    gemm = median_seconds(lambda: a @ a, rounds)
    source = np.ones(copy_mib * 2**20 // 4, dtype=np.float32)
    target = np.empty_like(source)
    copy = median_seconds(lambda: np.copyto(target, source), rounds)
    return {
        "flops": 2 * size**3 / gemm,
        "bytes_per_second": 2 * source.nbytes / copy,
        "how": f"NumPy float32 GEMM {size}³ and a {copy_mib} MiB copy, median of {rounds}",
    }


def gpu_peaks(name: str) -> dict:
    """The data-sheet peaks of the GPU called ``name``, or None for an unknown one."""
    for fragment, (flops, bandwidth) in GPU_PEAKS.items():
        if fragment in name:
            return {"flops": flops, "bytes_per_second": bandwidth, "how": "data sheet"}
    return {"flops": None, "bytes_per_second": None, "how": f"unknown for {name}"}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def gpu_info() -> dict | None:
    """Name, compute capability, driver and CUDA runtime versions and CuPy's version of GPU 0,
    or None when CuPy cannot use a GPU here."""
    from ..cuda.device import cupy_problem

    if cupy_problem() is not None:
        return None
    import cupy

    runtime = cupy.cuda.runtime
    properties = runtime.getDeviceProperties(0)
    return {
        "name": properties["name"].decode(),
        "compute_capability": f"{properties['major']}.{properties['minor']}",
        "memory_gib": round(properties["totalGlobalMem"] / 2**30, 1),
        "driver_version": runtime.driverGetVersion(),
        "cuda_runtime_version": runtime.runtimeGetVersion(),
        "cupy": cupy.__version__,
    }


def machine_info(torch_versions: dict | None) -> dict:
    """The CPU, the GPU (or None) and the versions of everything timed."""
    import numba

    from .. import __version__

    return {
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "minicnn": __version__,
        "torch": torch_versions,
        "gpu": gpu_info(),
    }
