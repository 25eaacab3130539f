"""Feature maps: what each convolution of a model sees in one input."""

import struct

import matplotlib.axes
import numpy as np

from minicnn import models
from minicnn.viz import conv_outputs, plot_feature_maps


def test_conv_outputs_of_one_example_leave_the_model_as_it_was():
    model = models.create("mnist1d-cnn", (1, 40), 10)
    x = np.random.default_rng(0).standard_normal((1, 40)).astype(np.float32)
    maps = conv_outputs(model, x)
    assert [(name, m.shape) for name, m in maps] == [
        ("0", (25, 19)),
        ("2", (25, 10)),
        ("4", (25, 5)),
    ]
    assert model.training and all(m.training for m in model.modules())
    assert not any("forward" in vars(m) for m in model.modules())  # no wrapper left behind
    assert len(conv_outputs(model, x)) == 3
    conv_outputs(model.eval(), x)
    assert not any(m.training for m in model.modules())


def test_plot_shows_at_most_max_channels_and_the_middle_slice_of_volumes(tmp_path, monkeypatch):
    drawn = []
    monkeypatch.setattr(matplotlib.axes.Axes, "imshow", lambda ax, image, **_: drawn.append(image))
    volume = np.broadcast_to(np.arange(5.0)[:, None, None], (5, 2, 2))  # slice d holds d
    plot_feature_maps([("0", np.stack([volume] * 20))], tmp_path / "maps.png")
    assert len(drawn) == 16 and all(np.all(image == 2) for image in drawn)
    width, height = struct.unpack(">II", (tmp_path / "maps.png").read_bytes()[16:24])
    assert (width, height) == (16 * 120, 180)  # 1.2 inches per column, 1.4 + 0.4 high, 100 dpi
