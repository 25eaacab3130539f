"""PyTorch in a process of its own, driven one call at a time by the benchmarks.

PyTorch and minicnn (NumPy's BLAS, Numba) keep separate thread pools. In one process on two
cores, each pool's idle threads spin after its work and slow the next library down, and the
settings that stop this in minicnn's pools (see ``minicnn/__init__.py``) slow PyTorch's own
small operations. So PyTorch runs here with its default settings and no minicnn import, and
the benchmark alternates calls between the two processes.

Requests, one JSON object per line on stdin (``minicnn.bench.torch_impl.TorchWorker`` sends
them); each answer is one line of JSON on stdout:

    {"command": "conv", "shape": S, "count": K}    seconds of K float32 forward + backward
                                                   calls, after 50 ms of untimed ones
    {"command": "conv-error", "shape": S}          largest error relative to float64
    {"command": "train-init", "path": NPZ}         the MNIST-1D CNN from NPZ's weights
    {"command": "train", "first": F, "count": K}   K training steps from batch F: seconds
                                                   and mean loss
    {"command": "versions"}                        PyTorch's version and thread count
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import torch
from conv_shapes import make_arrays, relative_error

WARM_UP = 0.05  # seconds of untimed calls before the timed ones, as in conv_cpu.py

FUNCTIONAL = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d}
FUNCTIONAL[3] = torch.nn.functional.conv3d


def conv(x, weight, bias, grad_out, stride, padding):
    """y, dx, dW, db of PyTorch tensors (each call makes fresh leaves on the same storage)."""
    xt, wt, bt = (t.detach().requires_grad_() for t in (x, weight, bias))
    y = FUNCTIONAL[weight.ndim - 2](xt, wt, bt, stride, padding)
    y.backward(grad_out)
    return y.detach(), xt.grad, wt.grad, bt.grad


def tensors(shape_name, dtype=np.float32):
    """The shape's operands as PyTorch tensors in PyTorch's own (64-byte aligned) memory.

    Wrapping NumPy's arrays instead (``torch.from_numpy``) would leave oneDNN with whatever
    alignment NumPy gave them: measured 2.5× slower on some shapes when it was not 64 bytes.
    """
    x, weight, bias, grad_out, stride, padding = make_arrays(shape_name)
    as_tensors = [torch.tensor(a.astype(dtype)) for a in (x, weight, bias, grad_out)]
    return (*as_tensors, stride, padding)


def time_conv(shape_name, count):
    operands = tensors(shape_name)
    start = time.perf_counter()
    while time.perf_counter() - start < WARM_UP:  # untimed: caches as the other process left them
        conv(*operands)
    seconds = []
    for _ in range(count):
        start = time.perf_counter()
        conv(*operands)
        seconds.append(time.perf_counter() - start)
    return seconds


def conv_error(shape_name):
    got = conv(*tensors(shape_name))
    exact = conv(*tensors(shape_name, np.float64))
    return relative_error([g.numpy() for g in got], [e.numpy() for e in exact])


class Trainer:
    """The MNIST-1D paper CNN (see minicnn.models.mnist1d_cnn) with Adam, batch by batch."""

    def __init__(self, path):
        saved = np.load(path)
        self.batches_x, self.batches_y = saved["batches_x"], saved["batches_y"]
        channels, classes = saved["conv0.weight"].shape[0], saved["linear.weight"].shape[0]
        self.model = torch.nn.Sequential(
            torch.nn.Conv1d(1, channels, 5, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv1d(channels, channels, 3, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.Conv1d(channels, channels, 3, stride=2, padding=1),
            torch.nn.ReLU(),
            torch.nn.Flatten(),
            torch.nn.Linear(saved["linear.weight"].shape[1], classes),
        )
        layers = [self.model[0], self.model[2], self.model[4], self.model[7]]
        names = ["conv0", "conv1", "conv2", "linear"]
        with torch.no_grad():
            for layer, name in zip(layers, names):
                layer.weight.copy_(torch.from_numpy(saved[f"{name}.weight"]))
                layer.bias.copy_(torch.from_numpy(saved[f"{name}.bias"]))
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=float(saved["lr"]))
        self.criterion = torch.nn.CrossEntropyLoss()

    def run(self, first, count):
        losses = []
        start = time.perf_counter()
        for i in range(first, first + count):
            index = i % len(self.batches_x)
            self.optimizer.zero_grad()
            x, y = torch.from_numpy(self.batches_x[index]), torch.from_numpy(self.batches_y[index])
            loss = self.criterion(self.model(x), y)
            loss.backward()
            self.optimizer.step()
            losses.append(loss.item())
        return {"seconds": time.perf_counter() - start, "mean_loss": float(np.mean(losses))}


def main():
    torch.set_num_threads(os.cpu_count())
    trainer = None
    for line in sys.stdin:
        request = json.loads(line)
        command = request["command"]
        if command == "conv":
            answer = time_conv(request["shape"], request["count"])
        elif command == "conv-error":
            answer = conv_error(request["shape"])
        elif command == "train-init":
            trainer = Trainer(request["path"])
            answer = "ready"
        elif command == "train":
            answer = trainer.run(request["first"], request["count"])
        elif command == "versions":
            answer = {"torch": torch.__version__, "threads": torch.get_num_threads()}
        else:
            answer = {"error": f"unknown command {command!r}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
