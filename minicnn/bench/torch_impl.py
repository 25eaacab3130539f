"""The PyTorch references: PyTorch CPU and cuDNN, timed in ``torch_worker.py``'s process.

One worker process serves both. It is started with the environment minus the two thread
settings minicnn's import adds (``OPENBLAS_THREAD_TIMEOUT=4``, ``OMP_WAIT_POLICY=PASSIVE``,
see ``minicnn/__init__.py``), so that PyTorch runs with its own defaults; a value set to
anything else before minicnn was imported is passed on.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .shapes import Case
from .timing import Prepared, Unavailable

MINICNN_THREAD_SETTINGS = {"OPENBLAS_THREAD_TIMEOUT": "4", "OMP_WAIT_POLICY": "PASSIVE"}


def torch_environment() -> dict:
    """``os.environ`` without the thread settings minicnn's import made."""
    return {
        name: value
        for name, value in os.environ.items()
        if MINICNN_THREAD_SETTINGS.get(name) != value
    }


WORKER = Path(__file__).with_name("torch_worker.py")


class TorchWorker:
    """A running PyTorch worker script (``torch_worker.py`` unless another is given), asked
    one JSON request at a time; it answers each with one line of JSON. The worker must
    answer ``{"command": "versions"}``."""

    def __init__(self, script: Path = WORKER):
        self._process = subprocess.Popen(
            [sys.executable, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=torch_environment(),
        )
        self.versions = self.ask(command="versions")

    @classmethod
    def start(cls, script: Path = WORKER) -> tuple[TorchWorker | None, str | None]:
        """(the worker, None), or (None, why it cannot start)."""
        if importlib.util.find_spec("torch") is None:
            return None, "PyTorch is not installed (pip install torch)"
        return cls(script), None

    def ask(self, **request):
        """Send one request; return the worker's answer (``RuntimeError`` for an error)."""
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the PyTorch worker stopped (exit code {self._process.wait()})")
        answer = json.loads(line)
        if isinstance(answer, dict) and "error" in answer:
            raise RuntimeError(f"PyTorch worker: {answer['error']}")
        return answer

    def close(self):
        """End the worker (it stops at the end of its input) and close the pipes."""
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._process.stdout.close()


@dataclass(frozen=True)
class TorchImplementation:
    """PyTorch on ``torch_device`` ("cpu", or "cuda" for cuDNN with TF32 off)."""

    name: str
    device: str  # "cpu" or "gpu", as in the table
    torch_device: str
    description: str
    reference: bool = True

    def problem(self, context) -> str | None:
        """None when it can run here; otherwise why not."""
        if context.torch is None:
            return context.torch_problem
        if self.torch_device == "cuda" and context.torch.versions["gpu_problem"]:
            return f"no GPU: {context.torch.versions['gpu_problem']}"
        return None

    def prepare(self, case: Case, context) -> Prepared:
        if context.torch is None:
            raise Unavailable(context.torch_problem)
        spec, worker = case.spec(), context.torch
        try:
            worker.ask(command="prepare", device=self.torch_device, case=spec)
        except RuntimeError as error:  # PyTorch could not run the case (e.g. out of memory)
            raise Unavailable(str(error)) from None

        def timer(calls, warm_up):
            request = {"device": self.torch_device, "case": spec, "calls": calls}
            return worker.ask(command="time", warm_up=warm_up, **request)["seconds"]

        return Prepared(timer, None)
