"""Training: the loop behind ``minicnn train``.

One epoch: for each shuffled batch, forward, loss, backward, optimizer step; then the test
set in evaluation mode. After each epoch the model, the optimizer state and the metrics are
written to the output folder, atomically, so an interrupted run can ``--resume`` from the
last finished epoch and a non-finite loss leaves the last good checkpoint in place.

Runs are reproducible: each epoch's shuffle and dropout masks are drawn from generators
seeded by (seed, epoch), so the same seed gives the same numbers, with or without a resume.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import data as datasets
from . import models, nn, optim
from .backend import check_device, to_device, to_numpy
from .nn.module import evaluation_mode
from .random import manual_seed
from .serialization import load, save, write_atomically

DEFAULT_MODEL = {
    "digits": "lenet",
    "mnist1d": "mnist1d-cnn",
    "idx": "lenet",
    "csv": "sign-language",
    "volumes": "volume-cnn",
}
# What a run on each kind of data uses unless told otherwise. MNIST-1D follows the paper
# (Adam, lr 0.01, batches of 100, 6,000 steps); the large IDX and CSV sets get fewer epochs.
RECIPES = {
    "digits": dict(epochs=100, batch_size=32, lr=2e-3, schedule="cosine"),
    "mnist1d": dict(epochs=150, batch_size=100, lr=1e-2, schedule="constant"),
    "idx": dict(epochs=10, batch_size=64, lr=1e-3, schedule="cosine"),
    "csv": dict(epochs=10, batch_size=64, lr=1e-3, schedule="cosine"),
    "volumes": dict(epochs=20, batch_size=32, lr=2e-3, schedule="cosine"),
}
OPTIMIZERS = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD}
# learning rate of each epoch: cosine annealing from lr to 0 over the run, or constant
SCHEDULES = {
    "cosine": lambda lr, epoch, epochs: lr * (1 + math.cos(math.pi * epoch / epochs)) / 2,
    "constant": lambda lr, epoch, epochs: lr,
}


class NonFiniteLoss(RuntimeError):
    """The loss became NaN or infinite; training stopped."""


# What data, optimizer and seed a run has unless told (or, resuming, unless the run says).
DEFAULTS = dict(data="digits", optimizer="adam", seed=0)


@dataclass
class TrainConfig:
    """What ``minicnn train`` takes. Options left as None are, when resuming, the run's own;
    then data, optimizer and seed come from ``DEFAULTS``, and epochs, batch_size, lr and
    schedule from ``RECIPES`` for the data."""

    data: str | None = None
    model: str | None = None
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    optimizer: str | None = None
    schedule: str | None = None
    augment: bool = True
    device: str = "cpu"
    seed: int | None = None
    out: str = "runs/latest"
    resume: bool = False


def load_data(spec: str, seed: int = 0):
    """``digits`` | ``mnist1d`` | ``volumes`` | ``idx:FOLDER`` | ``csv:TRAIN[,TEST]`` →
    (train, test). The digits are scaled up to 28×28, the frame the seeds' 2-d networks take;
    a CSV without a test file is split 80/20 with ``seed``."""
    kind, _, location = spec.partition(":")
    if kind == "digits" and not location:
        return datasets.load_digits(size=28)
    if kind == "mnist1d" and not location:
        return datasets.load_mnist1d()
    if kind == "volumes" and not location:
        return datasets.make_volumes(seed=seed)
    if kind == "idx" and location:
        return datasets.load_idx(location)
    if kind == "csv" and location:
        train_path, _, test_path = location.partition(",")
        if test_path:
            train = datasets.load_csv(train_path)
            test = datasets.load_csv(test_path, classes=train.classes)
            return train, test
        return datasets.split(datasets.load_csv(train_path), 0.2, seed)
    raise ValueError(
        f"unknown data {spec!r}: use digits, mnist1d, volumes, idx:FOLDER or csv:TRAIN[,TEST]"
    )


def train(config: TrainConfig, log=print) -> dict:
    """Train as ``config`` says; returns the metrics also written to ``out/metrics.json``.

    With ``resume``, a run found in ``out`` continues from its last finished epoch, and the
    options left as None are the run's own; without a run there, a new one starts.
    """
    out = Path(config.out)
    previous = None
    if config.resume:
        previous = read_metrics(out) if (out / "metrics.json").exists() else None
        if previous is None:
            log(f"no run to resume in {out}: starting a new one")
        else:
            config = _fill_from(config, previous["config"])
    config = _fill_from(config, DEFAULTS)
    kind = config.data.partition(":")[0]
    config = _fill_from(config, RECIPES.get(kind, RECIPES["digits"]))
    device = check_device(config.device)
    if device == "gpu":  # fail before any work, saying why there is no GPU
        from .cuda.device import require_gpu

        require_gpu("--device gpu")
    train_set, test_set = load_data(config.data, config.seed)
    for dataset in (train_set, test_set):
        if len(dataset) == 0:
            raise ValueError(f"{dataset.name} holds no examples")
    train_set, test_set = datasets.standardize(train_set, test_set)
    out.mkdir(parents=True, exist_ok=True)
    model_name = config.model or DEFAULT_MODEL[kind]
    manual_seed(config.seed)
    model = models.create(model_name, train_set.input_shape, train_set.classes).to(device)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), lr=config.lr)
    if config.schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {config.schedule!r}")
    criterion = nn.NLLLoss() if isinstance(model[-1], nn.LogSoftmax) else nn.CrossEntropyLoss()

    history, seconds = [], 0.0
    if previous is not None:
        for key in ("data", "optimizer", "batch_size", "seed"):
            if previous["config"][key] != getattr(config, key):
                raise ValueError(
                    f"cannot resume {out}: it was trained with {key}="
                    f"{previous['config'][key]!r}, not {getattr(config, key)!r}"
                )
        if previous["model"] != model_name:
            raise ValueError(
                f"cannot resume {out}: it holds a {previous['model']}, not a {model_name}"
            )
        model.load_state_dict(load(out / "model.npz"))
        optimizer.load_state_dict(_unflatten(load(out / "optimizer.npz")))
        history, seconds = previous["history"], previous["seconds"]
        log(f"resuming {out} after epoch {len(history)}")

    augmentation = _augmentation(config, train_set)
    log(
        f"{model_name} on {train_set.name}: {len(train_set)} training and {len(test_set)} test "
        f"examples, {sum(p.data.size for p in model.parameters()):,} parameters"
    )
    for epoch in range(len(history), config.epochs):
        start = time.perf_counter()
        for group in optimizer.param_groups:
            group["lr"] = SCHEDULES[config.schedule](config.lr, epoch, config.epochs)
        manual_seed(config.seed * 1000 + epoch)  # dropout masks
        loader = datasets.DataLoader(
            train_set,
            config.batch_size,
            shuffle=True,
            seed=config.seed * 1000 + epoch,
            transform=augmentation,
        )
        train_loss, train_accuracy = _run_epoch(
            model, criterion, optimizer, loader, f"epoch {epoch + 1}/{config.epochs}", epoch, device
        )
        test_loss, test_accuracy = evaluate(model, criterion, test_set, config.batch_size, device)
        seconds += time.perf_counter() - start
        history.append(
            dict(
                epoch=epoch + 1,
                train_loss=train_loss,
                train_accuracy=train_accuracy,
                test_loss=test_loss,
                test_accuracy=test_accuracy,
            )
        )
        log(
            f"epoch {epoch + 1:3d}  train loss {train_loss:.4f}  accuracy {train_accuracy:.4f}  "
            f"| test loss {test_loss:.4f}  accuracy {test_accuracy:.4f}"
        )
        metrics = dict(
            test_accuracy=test_accuracy,
            epochs=epoch + 1,
            seconds=seconds,
            model=model_name,
            data=config.data,
            history=history,
            config=asdict(config),
        )
        _checkpoint(out, model, optimizer, metrics)
    plot_curves(history, out / "curves.png")
    final = read_metrics(out)
    log(
        f"test accuracy {final['test_accuracy']:.4f} after {final['epochs']} epochs "
        f"({final['seconds']:.1f} s); wrote {out}/metrics.json, model.npz, curves.png"
    )
    return final


def evaluate(
    model, criterion, dataset, batch_size: int = 256, device: str = "cpu"
) -> tuple[float, float]:
    """(mean loss, accuracy) of ``model`` on ``dataset`` in evaluation mode, each module put
    back in its own mode after; the batches are moved to ``device``, where the model must be."""
    total_loss, correct = 0.0, 0
    with evaluation_mode(model):
        for x, y in datasets.DataLoader(dataset, batch_size):
            x, y = to_device(x, device), to_device(y, device)
            scores = model(x)
            total_loss += float(criterion(scores, y)) * len(y)
            correct += int((scores.argmax(axis=1) == y).sum())
    return total_loss / len(dataset), correct / len(dataset)


def plot_curves(history, path) -> None:
    """Loss and accuracy per epoch, training and test, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for split in ("train", "test"):
        left.plot(epochs, [h[f"{split}_loss"] for h in history], marker="o", label=split)
        right.plot(epochs, [h[f"{split}_accuracy"] for h in history], marker="o", label=split)
    for axes, name in ((left, "loss"), (right, "accuracy")):
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    write_atomically(path, lambda file: figure.savefig(file, format="png", dpi=100))
    plt.close(figure)


def _augmentation(config: TrainConfig, dataset):
    """Random shifts of up to 2 pixels for 2-d images (pad 2, crop back), if asked for."""
    if not config.augment or len(dataset.input_shape) != 3:
        return None
    return datasets.RandomCrop(dataset.input_shape[1:], padding=2)


def _run_epoch(model, criterion, optimizer, loader, description, epoch, device):
    total_loss, correct, seen = 0.0, 0, 0
    bar = tqdm(loader, desc=description, unit="batch", leave=False, disable=None)
    for batch, (x, y) in enumerate(bar):
        x, y = to_device(x, device), to_device(y, device)
        optimizer.zero_grad()
        # A diverging run overflows; that surfaces as the non-finite loss handled below.
        with np.errstate(over="ignore", invalid="ignore"):
            scores = model(x)
            loss = float(criterion(scores, y))
        if not math.isfinite(loss):
            bar.close()
            raise NonFiniteLoss(
                f"the loss became {loss} in epoch {epoch + 1}, batch {batch + 1}; training "
                f"stopped (the checkpoint of the last finished epoch is kept)"
            )
        model.backward(criterion.backward())
        optimizer.step()
        total_loss += loss * len(y)
        correct += int((scores.argmax(axis=1) == y).sum())
        seen += len(y)
        bar.set_postfix(loss=f"{total_loss / seen:.4f}", accuracy=f"{correct / seen:.3f}")
    return total_loss / seen, correct / seen


def _checkpoint(out: Path, model, optimizer, metrics) -> None:
    """Write model, optimizer state and metrics; each file is replaced atomically."""
    save(model.state_dict(), out / "model.npz")
    save(_flatten(optimizer.state_dict()), out / "optimizer.npz")
    text = json.dumps(metrics, indent=2).encode()
    write_atomically(out / "metrics.json", lambda file: file.write(text))


def read_metrics(run) -> dict:
    """The ``metrics.json`` of the run in folder ``run``; ``ValueError`` naming the file when
    it is not one that ``train`` wrote."""
    path = Path(run) / "metrics.json"
    try:
        metrics = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from error
    required = {"model", "data", "history", "seconds", "config"}
    if not isinstance(metrics, dict) or required - set(metrics):
        raise ValueError(f"{path} is not the metrics of a minicnn training run")
    return metrics


def _fill_from(config: TrainConfig, values: dict) -> TrainConfig:
    """``config`` with its options left as None taken from ``values`` where it has them."""
    unset = {k: values[k] for k, v in asdict(config).items() if v is None and k in values}
    return replace(config, **unset)


def _flatten(optimizer_state: dict) -> dict:
    """PyTorch-style optimizer state → flat name → array, for an .npz file."""
    flat = {}
    for index, values in optimizer_state["state"].items():
        for name, value in values.items():
            flat[f"state.{index}.{name}"] = to_numpy(value)
    flat["param_groups"] = np.frombuffer(
        json.dumps(optimizer_state["param_groups"]).encode(), np.uint8
    )
    return flat


def _unflatten(flat: dict) -> dict:
    state: dict = {}
    for key, value in flat.items():
        if key.startswith("state."):
            _, index, name = key.split(".", 2)
            state.setdefault(int(index), {})[name] = value.item() if value.ndim == 0 else value
    groups = json.loads(bytes(flat["param_groups"]).decode())
    return {"state": state, "param_groups": groups}
