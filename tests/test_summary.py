import numpy as np

from minicnn import models
from minicnn.summary import format_profile, profile


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
