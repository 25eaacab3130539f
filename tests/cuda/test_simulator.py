"""Runs ``tests/cuda/simulator`` in a fresh process with ``NUMBA_ENABLE_CUDASIM=1``: the Numba
CUDA kernels on Numba's CUDA simulator, without a GPU, against the NumPy code."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SIMULATOR_TESTS = Path(__file__).parent / "simulator"


@pytest.mark.skipif(
    importlib.util.find_spec("numba_cuda") is None,
    reason="numba-cuda is not installed (pip install -e '.[test]' installs it)",
)
def test_numba_kernels_in_the_cuda_simulator():
    environment = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(SIMULATOR_TESTS)]
    result = subprocess.run(
        command,
        env=environment,
        cwd=SIMULATOR_TESTS.parents[2],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    summary = report.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= 40, report
    assert "skipped" not in summary and "failed" not in summary, report
