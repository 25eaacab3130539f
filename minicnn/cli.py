"""The ``minicnn`` command line."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from . import __version__, models
from . import data as datasets
from .arguments import non_negative_int, positive_int
from .bench.command import add_bench_parser, run_bench
from .cuda.device import GPUUnavailableError
from .explain.command import add_explain_parser, run_explain
from .gradcheck import gradcheck
from .nn import Conv1d, Conv2d, Conv3d
from .ops.conv import conv_backward, conv_forward
from .random import manual_seed
from .serialization import load
from .summary import format_profile, profile
from .train import (
    DEFAULTS,
    OPTIMIZERS,
    RECIPES,
    SCHEDULES,
    NonFiniteLoss,
    TrainConfig,
    load_data,
    read_metrics,
    train,
)
from .viz import conv_outputs, plot_feature_maps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="minicnn", description="A from-scratch convolution engine with hand-written backprop."
    )
    parser.add_argument("--version", action="version", version=f"minicnn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo_parser = commands.add_parser(
        "demo", help="convolve, backpropagate and gradient-check a small input, step by step"
    )
    demo_parser.add_argument(
        "--seed", type=non_negative_int, default=0, help="random seed (default: 0)"
    )

    train_parser = commands.add_parser(
        "train", help="train a model of the zoo (default: LeNet on the embedded digits)"
    )
    train_parser.add_argument(
        "--data",
        help="digits | mnist1d | volumes | idx:FOLDER | csv:TRAIN[,TEST] (default: "
        f"{DEFAULTS['data']})",
    )
    train_parser.add_argument(
        "--model",
        choices=list(models.MODELS),
        help="default: lenet for digits and idx, mnist1d-cnn for mnist1d, sign-language for csv, "
        "volume-cnn for volumes",
    )
    recipe = "default: from the data's recipe (digits: %s)"
    train_parser.add_argument(
        "--epochs", type=positive_int, help=recipe % RECIPES["digits"]["epochs"]
    )
    train_parser.add_argument(
        "--batch-size", type=positive_int, help=recipe % RECIPES["digits"]["batch_size"]
    )
    train_parser.add_argument("--lr", type=float, help=recipe % RECIPES["digits"]["lr"])
    train_parser.add_argument(
        "--optimizer", choices=list(OPTIMIZERS), help=f"(default: {DEFAULTS['optimizer']})"
    )
    train_parser.add_argument(
        "--schedule",
        choices=list(SCHEDULES),
        help="learning rate per epoch: " + recipe % RECIPES["digits"]["schedule"],
    )
    train_parser.add_argument(
        "--no-augment",
        dest="augment",
        action="store_false",
        help="train 2-d images without random shifts of up to 2 pixels",
    )
    train_parser.add_argument(
        "--device",
        choices=["cpu", "gpu"],
        default=TrainConfig.device,
        help="gpu: CuPy with the CUDA C kernels (pip install 'minicnn[gpu]'; an error saying "
        "why when no GPU can be used) (default: %(default)s)",
    )
    train_parser.add_argument(
        "--seed", type=non_negative_int, help=f"(default: {DEFAULTS['seed']})"
    )
    train_parser.add_argument(
        "--out", default=TrainConfig.out, help="output folder (default: %(default)s)"
    )
    train_parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out from its last finished epoch, with its options unless "
        "given (a new run if there is none)",
    )

    summary_parser = commands.add_parser(
        "summary", help="per-layer shapes, weights, memory and multiply-adds of a model"
    )
    summary_parser.add_argument("model", choices=list(models.MODELS))
    summary_parser.add_argument(
        "--input-shape",
        type=positive_int,
        nargs="+",
        metavar="N",
        help="C H W (or C L, C D H W); default: the model's usual input",
    )
    summary_parser.add_argument("--classes", type=positive_int, default=None)

    feature_maps_parser = commands.add_parser(
        "featuremaps",
        help="draw every convolution layer's feature maps for one test example of a trained run",
    )
    feature_maps_parser.add_argument("run", help="the --out folder of a finished `minicnn train`")
    feature_maps_parser.add_argument(
        "--index", type=non_negative_int, default=0, help="test example (default: 0)"
    )
    feature_maps_parser.add_argument("--out", help="PNG path (default: RUN/featuremaps.png)")

    add_explain_parser(commands)
    add_bench_parser(commands)

    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            run_demo(args.seed)
        elif args.command == "train":
            config = TrainConfig(**{k: v for k, v in vars(args).items() if k != "command"})
            train(config)
        elif args.command == "summary":
            run_summary(args.model, args.input_shape, args.classes)
        elif args.command == "explain":
            print(run_explain(args), end="")
        elif args.command == "bench":
            run_bench(args)
        else:
            run_feature_maps(args.run, args.index, args.out)
    except (ValueError, NonFiniteLoss, GPUUnavailableError) as error:
        print(f"minicnn {args.command}: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a missing file, a folder where a file should be, ...
        where = f"{error.filename}: " if error.filename else ""
        print(f"minicnn {args.command}: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.command != "train":
            raise
        print(
            f"\nminicnn train: interrupted; `minicnn train --resume --out {args.out}` continues "
            f"after the last finished epoch",
            file=sys.stderr,
        )
        return 130
    return 0


def run_summary(name: str, input_shape, classes) -> None:
    input_shape = tuple(input_shape) if input_shape else models.default_input_shape(name)
    classes = classes or (1000 if name == "vgg16" else 10)
    model = models.create(name, input_shape, classes)
    print(f"{name}, input {'×'.join(map(str, input_shape))}, {classes} classes")
    print(format_profile(profile(model, input_shape)))


def run_feature_maps(run: str, index: int, out) -> None:
    run_dir = Path(run)
    metrics = read_metrics(run_dir)
    # the inputs as the network saw them in training: standardised by the training set
    _, test = datasets.standardize(*load_data(metrics["data"], metrics["config"]["seed"]))
    if not 0 <= index < len(test):
        raise ValueError(f"--index must be in [0, {len(test)}), got {index}")
    model = models.create(metrics["model"], test.input_shape, test.classes)
    model.load_state_dict(load(run_dir / "model.npz"))
    path = Path(out) if out else run_dir / "featuremaps.png"
    plot_feature_maps(conv_outputs(model, test.x[index]), path)
    print(f"wrote {path} (test example {index}, label {test.y[index]})")


def run_demo(seed: int) -> None:
    """Walk one 2-d convolution through forward, backward and a finite-difference check."""
    manual_seed(seed)
    rng = np.random.default_rng(seed)
    conv = Conv2d(1, 2, kernel_size=3, padding=1)
    weight, bias = conv.weight.data, conv.bias.data
    x = rng.standard_normal((2, 1, 5, 5)).astype(np.float32)
    print("minicnn demo: one convolution, forward and backward, checked by finite differences\n")
    print(f"layer      {conv!r}")
    print(f"parameters weight {weight.shape} + bias {bias.shape} = {weight.size + bias.size}")
    print(f"input      x {x.shape} {x.dtype}")

    y, cache = conv_forward(x, weight, bias, conv.stride, conv.padding, algorithm="im2col")
    cols = cache.workspace
    rows, columns = math.prod(cols.shape[:3]), math.prod(cols.shape[3:])
    print(
        f"im2col     columns {cols.shape}, a {rows} × {columns} matrix: one row per "
        f"(channel, kernel tap), one column per (image, output position)"
    )
    print(
        f"GEMM       weight ({conv.out_channels} × {rows}) @ columns ({rows} × {columns}) "
        f"→ ({conv.out_channels} × {columns}), plus bias, reshaped to (N, C_out, H, W)"
    )
    h, k, p, s = x.shape[2], conv.kernel_size[0], conv.padding[0], conv.stride[0]
    print(
        f"output     y {y.shape} {y.dtype}: O = (H + 2P − K)/S + 1 = ({h} + 2·{p} − {k})/{s}"
        f" + 1 = {y.shape[2]}"
    )

    # L = ½‖y‖², so dL/dy = y.
    dx, dweight, dbias = conv_backward(y, cache)
    print(
        f"backward   L = ½‖y‖², dL/dy = y: col2im gives dL/dx {dx.shape}; dL/dweight "
        f"{dweight.shape} and dL/dbias {dbias.shape} come from the GEMM"
    )

    def loss(w):
        return 0.5 * float(np.sum(conv_forward(x.astype(np.float64), w, bias, 1, 1)[0] ** 2))

    tap, eps = (1, 0, 1, 1), 1e-6
    step = np.zeros(weight.shape)
    step[tap] = eps
    numerical = (loss(weight + step) - loss(weight - step)) / (2 * eps)
    print(
        f"by hand    dL/dweight{list(tap)}: backward {float(dweight[tap]):.6f}, central "
        f"difference in float64 {numerical:.6f}"
    )

    for layer, shape in [
        (Conv1d(2, 4, kernel_size=3, stride=2, padding=1), (2, 2, 9)),
        (conv, x.shape),
        (Conv3d(2, 2, kernel_size=2, dilation=2, groups=2), (1, 2, 4, 4, 4)),
    ]:
        gradcheck(layer, rng.standard_normal(shape), mode="full")
        print(
            f"gradcheck  {type(layer).__name__} on {shape}: the full Jacobian of the input, "
            f"weight and bias agrees with finite differences"
        )
