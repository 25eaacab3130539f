"""Feature maps (seed 003 §5.4): what each convolution layer of a trained model sees in one
input, drawn as a grid of small images, one row per layer."""

from __future__ import annotations

import numpy as np

from .backend import get_array_module, to_numpy
from .nn.conv import _ConvNd
from .nn.module import evaluation_mode


def conv_outputs(model, x) -> list[tuple[str, np.ndarray]]:
    """(layer name, output (C, *spatial)) of every convolution, for one example x (C, *S),
    in evaluation mode; the outputs are NumPy arrays, also for a model on the GPU (x is moved
    to the model). The model is left as it was, each module in its own mode."""
    xp = get_array_module(*(p.data for p in model.parameters()))
    x = xp.asarray(x) if xp is not np else to_numpy(x)
    outputs = []
    convs = [(name, m) for name, m in model.named_modules() if isinstance(m, _ConvNd)]
    for name, module in convs:
        module.forward = _keeping(module, name, outputs)
    try:
        with evaluation_mode(model):
            model(x[None])
    finally:
        for _, module in convs:
            del module.forward
    return outputs


def plot_feature_maps(outputs, path, max_channels: int = 16) -> None:
    """One row per layer, up to ``max_channels`` channels each; 1-d maps are drawn as curves
    and 3-d maps by their middle slice."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(max_channels, max(maps.shape[0] for _, maps in outputs))
    width = max(1.2 * columns, 4.0)  # wide enough for the title above a few maps
    figure, axes = plt.subplots(
        len(outputs), columns, squeeze=False, figsize=(width, 1.4 * len(outputs) + 0.4)
    )
    for row, (name, maps) in enumerate(outputs):
        for column in range(columns):
            ax = axes[row, column]
            ax.set_xticks([])
            ax.set_yticks([])
            if column >= maps.shape[0]:
                ax.axis("off")
                continue
            channel = maps[column]
            if channel.ndim == 1:
                ax.plot(channel, linewidth=0.8)
            else:
                ax.imshow(
                    channel[channel.shape[0] // 2] if channel.ndim == 3 else channel, cmap="viridis"
                )
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    figure.suptitle("feature maps of each convolution layer")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)  # PNG whatever the name's suffix
    plt.close(figure)


def _keeping(module, name, outputs):
    forward = type(module).forward

    def keep(x):
        y = forward(module, x)
        outputs.append((name, to_numpy(y[0])))
        return y

    return keep
