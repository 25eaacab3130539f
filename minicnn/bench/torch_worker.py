"""PyTorch timed in a process of its own: the reference rows of ``minicnn bench``.

Run as a script by ``torch_impl.py`` (never imported from minicnn): in one process,
PyTorch's thread pool and minicnn's (NumPy's BLAS, Numba) keep spinning after their work and
slow each other down on a few cores, and the settings minicnn's import makes against that
(``OMP_WAIT_POLICY=PASSIVE``) slow PyTorch's own small operations. So this process imports
only NumPy, PyTorch and ``operands.py`` beside it, and runs with PyTorch's defaults.

On a GPU it is the cuDNN reference, in strict FP32: TF32 is off for cuDNN's convolutions and
for cuBLAS's GEMMs (``allow_tf32 = False``), so it does the arithmetic minicnn's float32
kernels do; ``cudnn.benchmark`` lets cuDNN try its algorithms once per shape (in the warm-up)
and keep the fastest. GPU calls are timed with ``torch.cuda.Event`` pairs after the warm-up.

What each op calls (``y = conv(x, W) + b``, PyTorch's functional API):

    conv-fwd          F.conv{1,2,3}d, with autograd off
    conv-bwd          aten.convolution_backward with output_mask (dx, dW, db): what
                      autograd's convolution backward calls, without the graph around it
    conv-bwd-data     the same with output_mask (dx) only
    conv-bwd-weights  the same with output_mask (dW, db) only
    maxpool           F.max_pool{1,2,3}d forward, then backward of dy through autograd
    train-step        LeNet as in minicnn.models.lenet, NLLLoss, Adam(lr 1e-3)

One request per line on stdin, one JSON answer per line on stdout:

    {"command": "versions"}
        → PyTorch, CUDA and cuDNN versions, threads, GPU name, or why there is no GPU
    {"command": "prepare", "device": "cpu"|"cuda", "case": SPEC}
        → "ready" once the case's operands are built and it ran once (SPEC:
          minicnn.bench.shapes.Case.spec(); operands of earlier cases are let go)
    {"command": "time", "device": "cpu"|"cuda", "case": SPEC, "calls": N, "warm_up": S}
        → {"seconds": [N timed calls]}   (the case must be prepared)
An error answers {"error": "..."}.
"""

from __future__ import annotations

import json
import os
import sys
import time

import torch
from operands import make_operands

F = torch.nn.functional
CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
OUTPUT_MASK = {
    "conv-bwd": [True, True, True],
    "conv-bwd-data": [True, False, False],
    "conv-bwd-weights": [False, True, True],
}


def gpu_problem() -> str | None:
    """None when PyTorch can use a CUDA GPU here, otherwise why not."""
    if torch.version.cuda is None:
        return f"PyTorch {torch.__version__} is built without CUDA"
    if not torch.cuda.is_available():
        return "torch.cuda.is_available() is False: PyTorch finds no usable CUDA GPU"
    return None


def versions() -> dict:
    problem = gpu_problem()
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if problem is None else None,
        "gpu": torch.cuda.get_device_name(0) if problem is None else None,
        "gpu_problem": problem,
    }


def lenet(classes: int) -> torch.nn.Sequential:
    """minicnn.models.lenet in PyTorch."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 10, 5),
        nn.MaxPool2d(2),
        nn.ReLU(),
        nn.Conv2d(10, 20, 5),
        nn.Dropout2d(),
        nn.MaxPool2d(2),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(320, 50),
        nn.ReLU(),
        nn.Dropout(),
        nn.Linear(50, classes),
        nn.LogSoftmax(dim=1),
    )


def runner(spec: dict, device: str):
    """A function of no arguments that does the case's work once on ``device``."""
    arrays = {k: torch.tensor(v, device=device) for k, v in make_operands(spec).items()}
    op = spec["op"]
    if op == "train-step":
        model = lenet(spec["classes"]).to(device).train()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        criterion = torch.nn.NLLLoss()

        def step():
            optimizer.zero_grad()
            criterion(model(arrays["x"]), arrays["labels"]).backward()
            optimizer.step()

        return step
    x, grad_out = arrays["x"], arrays["grad_out"]
    ndim = x.ndim - 2
    if op == "maxpool":
        x.requires_grad_()

        def pool():
            x.grad = None
            MAX_POOL[ndim](x, spec["pool"]).backward(grad_out)

        return pool
    weight, bias = arrays["weight"], arrays["bias"]
    stride, padding = [spec["stride"]] * ndim, [spec["padding"]] * ndim
    if op == "conv-fwd":

        def forward():
            with torch.no_grad():
                CONV[ndim](x, weight, bias, stride, padding)

        return forward
    mask = OUTPUT_MASK[op]

    def backward():
        torch.ops.aten.convolution_backward(
            grad_out, x, weight, [weight.shape[0]], stride, padding, [1] * ndim, False,
            [0] * ndim, 1, mask,
        )  # fmt: skip

    return backward


def time_calls(run, device: str, calls: int, warm_up: float) -> list[float]:
    """Seconds of each of ``calls`` calls after ``warm_up`` seconds of untimed ones (at least
    one): wall clock on the CPU; on the GPU, each call's share of their time back to back
    between two CUDA events."""
    start = time.perf_counter()
    run()
    while time.perf_counter() - start < warm_up:
        run()
    if device == "cpu":
        seconds = []
        for _ in range(calls):
            start = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - start)
        return seconds
    # as minicnn's GPU rows (bench/timing.py): back to back between two events, behind one
    # untimed call, so that the events see the GPU's work and not the launch latency
    torch.cuda.synchronize()
    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    run()
    begin.record()
    for _ in range(calls):
        run()
    end.record()
    end.synchronize()
    return [begin.elapsed_time(end) / 1e3 / calls] * calls


def main():
    torch.set_num_threads(os.cpu_count())
    if gpu_problem() is None:
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
    prepared = {}  # (device, case) → runner, for the case being timed
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["command"] == "versions":
                answer = versions()
            elif request["command"] == "prepare":
                key = (request["device"], json.dumps(request["case"], sort_keys=True))
                prepared = {k: v for k, v in prepared.items() if k[1] == key[1]}
                prepared[key] = runner(request["case"], request["device"])
                prepared[key]()
                answer = "ready"
            elif request["command"] == "time":
                key = (request["device"], json.dumps(request["case"], sort_keys=True))
                seconds = time_calls(
                    prepared[key], request["device"], request["calls"], request["warm_up"]
                )
                answer = {"seconds": seconds}
            else:
                answer = {"error": f"unknown command {request['command']!r}"}
        except Exception as error:  # sent back: "prepare" marks the row unavailable with it
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
