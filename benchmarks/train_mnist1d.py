"""Training the MNIST-1D paper CNN: minicnn's wall time against PyTorch's for the same steps.

Both train the same network (three Conv1d layers of 25 channels with ReLU, then Linear),
from the same initial weights, on the same batches of MNIST-1D, with Adam at the paper's
learning rate (1e-2) and batch size (100). A step is forward, cross-entropy loss, backward
and the optimizer update. PyTorch trains in a process of its own with its default settings
(``torch_worker.py``); the two take turns, a block of steps each, so that the machine's noise
hits both alike. The result is the median time per step over the blocks, and the ratio.

    python benchmarks/train_mnist1d.py            # saved to benchmarks/results/
"""

from __future__ import annotations

import os

# minicnn's thread settings (see minicnn/__init__.py), set here because NumPy comes first.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

import minicnn as mc
from minicnn.bench.torch_impl import TorchWorker
from minicnn.data import load_mnist1d
from minicnn.models import mnist1d_cnn

RESULTS = Path(__file__).parent / "results"
LEARNING_RATE = 1e-2
BATCH_SIZE = 100


def save_for_torch(path, model, batches_x, batches_y):
    """The initial weights, learning rate and batches, for torch_worker.py's Trainer."""
    convs = [layer for layer in model if isinstance(layer, mc.nn.Conv1d)]
    (linear,) = [layer for layer in model if isinstance(layer, mc.nn.Linear)]
    arrays = {"lr": np.array(LEARNING_RATE), "batches_x": batches_x, "batches_y": batches_y}
    for name, layer in [*((f"conv{i}", conv) for i, conv in enumerate(convs)), ("linear", linear)]:
        arrays[f"{name}.weight"] = layer.weight.data
        arrays[f"{name}.bias"] = layer.bias.data
    np.savez(path, **arrays)


def minicnn_trainer(model, batches_x, batches_y):
    criterion = mc.nn.CrossEntropyLoss()
    optimizer = mc.optim.Adam(model.parameters(), lr=LEARNING_RATE)

    def run(first, count):
        losses = []
        start = time.perf_counter()
        for i in range(first, first + count):
            index = i % len(batches_x)
            optimizer.zero_grad()
            losses.append(float(criterion(model(batches_x[index]), batches_y[index])))
            model.backward(criterion.backward())
            optimizer.step()
        return {"seconds": time.perf_counter() - start, "mean_loss": float(np.mean(losses))}

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps each (default: 2000)")
    parser.add_argument("--block", type=int, default=100, help="steps per turn (default: 100)")
    parser.add_argument("--out", type=Path, default=RESULTS / "train_mnist1d.json")
    args = parser.parse_args(argv)

    torch, problem = TorchWorker.start(Path(__file__).with_name("torch_worker.py"))
    if torch is None:
        parser.error(f"{problem}: there is nothing to compare with")
    mc.manual_seed(0)
    train_set, _ = load_mnist1d()
    model = mnist1d_cnn()
    order = np.random.default_rng(0).permutation(len(train_set.y))
    usable = len(order) // BATCH_SIZE * BATCH_SIZE
    batches_x = train_set.x[order[:usable]].reshape(-1, BATCH_SIZE, *train_set.x.shape[1:])
    batches_y = train_set.y[order[:usable]].reshape(-1, BATCH_SIZE)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "start.npz"
        save_for_torch(path, model, batches_x, batches_y)
        torch.ask(command="train-init", path=str(path))
    trainers = {"minicnn": minicnn_trainer(model, batches_x, batches_y)}
    trainers["torch"] = lambda first, count: torch.ask(command="train", first=first, count=count)

    blocks = {name: [] for name in trainers}
    for first in range(0, args.steps, args.block):
        count = min(args.block, args.steps - first)
        for name, run in trainers.items():
            blocks[name].append(run(first, count) | {"steps": count})
    torch_version = torch.versions
    torch.close()

    per_step = {
        name: float(np.median([b["seconds"] / b["steps"] for b in done]))
        for name, done in blocks.items()
    }
    result = {
        "steps": args.steps,
        "batch_size": BATCH_SIZE,
        "seconds_per_step": per_step,
        "total_seconds": {name: sum(b["seconds"] for b in done) for name, done in blocks.items()},
        "ratio": per_step["minicnn"] / per_step["torch"],
        "mean_loss_last_block": {name: done[-1]["mean_loss"] for name, done in blocks.items()},
        "versions": {"numpy": np.__version__, "minicnn": mc.__version__, "torch": torch_version},
    }
    for name in trainers:
        print(
            f"{name:8s} {per_step[name] * 1e3:6.2f} ms/step (median of {len(blocks[name])} turns "
            f"of {args.block}), {result['total_seconds'][name]:5.1f} s for {args.steps} steps, "
            f"mean loss of the last turn {result['mean_loss_last_block'][name]:.3f}"
        )
    print(f"minicnn / torch wall time per step: {result['ratio']:.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
