import numpy as np

import minicnn as mc
from minicnn import models
from minicnn.summary import LayerProfile, format_profile, profile


def test_lenet_profile_follows_seed_004_formulas():
    rows = profile(models.create("lenet", (1, 28, 28), 10), (1, 28, 28))
    conv1, conv2 = rows[0], rows[3]
    assert (conv1.name, conv1.kind, conv1.output_shape) == ("0", "Conv2d", (10, 24, 24))
    assert conv1.weights == 5 * 5 * 1 * 10 + 10  # k·k·c_in·c_out + bias
    assert conv1.memory == 24 * 24 * 10  # m·m·c
    assert conv1.multiply_adds == 5 * 5 * 24 * 24 * 1 * 10  # k·k·m·m·c_in·c_out
    assert conv2.multiply_adds == 5 * 5 * 8 * 8 * 10 * 20
    fc1 = next(r for r in rows if r.kind == "Linear")
    assert (fc1.weights, fc1.multiply_adds) == (320 * 50 + 50, 320 * 50)
    table = format_profile(rows)
    assert "total" in table and "21,840" in table


def test_vgg16_memory_peaks_early_and_weights_at_the_first_fc_layer():
    rows = profile(models.create("vgg16", (3, 224, 224), 1000), (3, 224, 224))
    memory = [r.memory for r in rows]
    weights = [r.weights for r in rows]
    assert np.argmax(memory) <= 3  # the first 224×224×64 feature maps
    first_fc = next(i for i, r in enumerate(rows) if r.kind == "Linear")
    assert np.argmax(weights) == first_fc and weights[first_fc] == 25088 * 4096 + 4096
    assert sum(weights) == 138_357_544  # VGG-16's well-known parameter count


def test_linear_on_sequences_and_grouped_convolutions():
    # Linear(3, 5) on 4 positions: 4·3·5 multiply-adds; Conv2d(4, 6, 3, groups=2) on 5×5:
    # each of the 6·3·3 outputs sums 2 channels · 3·3 taps.
    linear, conv = profile(mc.nn.Sequential(mc.nn.Linear(3, 5)), (4, 3))[0], None
    assert (linear.output_shape, linear.weights, linear.multiply_adds) == ((4, 5), 20, 60)
    (conv,) = profile(mc.nn.Sequential(mc.nn.Conv2d(4, 6, 3, groups=2)), (4, 5, 5))
    assert (conv.output_shape, conv.weights, conv.multiply_adds) == ((6, 3, 3), 114, 6 * 9 * 18)


def test_profile_leaves_the_model_as_it_was():
    model = models.create("mnist1d-cnn", (1, 40), 10)
    model[2].eval()
    modes = [m.training for m in model.modules()]
    first = profile(model, (1, 40))
    assert [m.training for m in model.modules()] == modes and modes.count(False) == 1
    assert not any("forward" in vars(m) for m in model.modules())  # no recorder left behind
    assert profile(model, (1, 40)) == first and len(first) == 8
    profile(model.eval(), (1, 40))
    assert not any(m.training for m in model.modules())


def test_format_profile_totals_in_mib():
    rows = [LayerProfile("0", "Linear", (4,), 2**20, 2**19, 3_000_000)]
    assert format_profile(rows).splitlines()[-1] == (
        "weights 4.0 MiB, activations 2.0 MiB per example, 3.0 M multiply-adds"
    )
