"""Start ``torch_worker.py`` and talk to it: PyTorch timed in its own process."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path


class TorchProcess:
    """A running ``torch_worker.py``; ``start`` gives None when PyTorch is not installed."""

    def __init__(self, environment: dict):
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("torch_worker.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )

    @classmethod
    def start(cls, environment: dict):
        """The worker, run with ``environment`` (PyTorch's own settings), or None."""
        if importlib.util.find_spec("torch") is None:
            return None
        return cls(environment)

    def ask(self, *words):
        """Send one command; return the worker's answer."""
        self._process.stdin.write(" ".join(map(str, words)) + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline())
        if isinstance(answer, dict) and "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def close(self):
        self._process.stdin.close()
        self._process.wait(timeout=60)
