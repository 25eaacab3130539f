import json
from types import SimpleNamespace

import numpy as np
import pytest

from minicnn import data as datasets
from minicnn import models, nn
from minicnn.cli import main
from minicnn.serialization import load
from minicnn.train import (
    SCHEDULES,
    NonFiniteLoss,
    TrainConfig,
    _augmentation,
    evaluate,
    train,
)


def quiet(*_):
    pass


def _config(tmp_path, **changes):
    return TrainConfig(**{"epochs": 2, "out": str(tmp_path / "run"), **changes})


def test_writes_metrics_model_and_curves(tmp_path):
    metrics = train(_config(tmp_path), log=quiet)
    run = tmp_path / "run"
    saved = json.loads((run / "metrics.json").read_text())
    assert saved == metrics
    assert set(saved) >= {"test_accuracy", "epochs", "seconds"}
    assert saved["epochs"] == 2 and 0.3 < saved["test_accuracy"] <= 1.0
    assert len(saved["history"]) == 2 and saved["model"] == "lenet"
    assert "0.weight" in load(run / "model.npz")
    assert (run / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_same_seed_same_numbers_and_resume_continues_exactly(tmp_path):
    straight = train(_config(tmp_path, out=str(tmp_path / "a"), epochs=3), log=quiet)
    again = train(_config(tmp_path, out=str(tmp_path / "b"), epochs=3), log=quiet)
    assert again["history"] == straight["history"]

    def crash_in_epoch_3(message):
        if message.startswith("epoch   3"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(_config(tmp_path, out=str(tmp_path / "c"), epochs=3), log=crash_in_epoch_3)
    resumed = train(_config(tmp_path, out=str(tmp_path / "c"), epochs=3, resume=True), log=quiet)
    assert resumed["history"] == straight["history"]
    other_seed = train(_config(tmp_path, out=str(tmp_path / "d"), epochs=1, seed=1), log=quiet)
    assert other_seed["history"][0] != straight["history"][0]


def test_a_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    train(_config(tmp_path, epochs=1, optimizer="sgd", lr=0.01), log=quiet)
    run = tmp_path / "run"
    model_before = (run / "model.npz").read_bytes()
    with pytest.raises(NonFiniteLoss, match=r"the loss became (nan|inf) in epoch 2"):
        train(
            _config(tmp_path, epochs=2, resume=True, lr=1e12, optimizer="sgd", schedule="constant"),
            log=quiet,
        )
    assert json.loads((run / "metrics.json").read_text())["epochs"] == 1
    assert (run / "model.npz").read_bytes() == model_before
    with pytest.raises(ValueError, match="it was trained with optimizer='sgd', not 'adam'"):
        train(_config(tmp_path, epochs=2, resume=True, optimizer="adam"), log=quiet)


@pytest.mark.parametrize("data", ["mnist1d", "volumes"])
def test_other_data_sets_train(tmp_path, data):
    metrics = train(_config(tmp_path, data=data, epochs=1), log=quiet)
    assert metrics["model"] == {"mnist1d": "mnist1d-cnn", "volumes": "volume-cnn"}[data]
    assert metrics["test_accuracy"] > 0.15
    if data == "mnist1d":  # the paper's recipe: Adam, lr 0.01, batches of 100
        assert (metrics["config"]["lr"], metrics["config"]["batch_size"]) == (0.01, 100)


def test_cli_train_summary_featuremaps_and_errors(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--epochs", "1", "--out", str(run), "--batch-size", "64"]) == 0
    assert "test accuracy" in capsys.readouterr().out
    assert main(["featuremaps", str(run), "--index", "3"]) == 0
    assert (run / "featuremaps.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["summary", "mnist1d-cnn"]) == 0
    out = capsys.readouterr().out
    assert "Conv1d" in out and "multiply-adds" in out
    assert main(["train", "--data", "imagenet", "--out", str(run)]) == 1
    assert "unknown data 'imagenet'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epochs", "0"])
    assert exit_info.value.code == 2
    assert "argument --epochs: must be a positive integer, got '0'" in capsys.readouterr().err


def test_images_are_shifted_unless_augmentation_is_off(tmp_path):
    shifted = train(_config(tmp_path, out=str(tmp_path / "a"), epochs=1), log=quiet)
    plain = train(_config(tmp_path, out=str(tmp_path / "b"), epochs=1, augment=False), log=quiet)
    assert shifted["history"][0]["train_loss"] != plain["history"][0]["train_loss"]
    assert (shifted["config"]["augment"], plain["config"]["augment"]) == (True, False)


def test_resume_takes_the_runs_options_and_starts_afresh_without_a_run(tmp_path):
    messages = []
    first = _config(tmp_path, epochs=1, lr=0.01, schedule="constant", seed=2, resume=True)
    train(first, log=messages.append)
    assert messages[0] == f"no run to resume in {tmp_path / 'run'}: starting a new one"
    resumed = train(_config(tmp_path, epochs=2, resume=True), log=quiet)
    assert resumed["epochs"] == 2
    taken = {key: resumed["config"][key] for key in ("lr", "schedule", "seed", "data")}
    assert taken == {"lr": 0.01, "schedule": "constant", "seed": 2, "data": "digits"}


def test_data_errors_leave_no_output_folder_behind(tmp_path):
    run = tmp_path / "run"
    with pytest.raises(ValueError, match="unknown data"):
        train(_config(tmp_path, data="imagenet"), log=quiet)
    one_row = tmp_path / "one.csv"
    one_row.write_text("label,a,b,c,d\n1,0,0,0,0\n")
    with pytest.raises(ValueError, match=r"one\.csv \(train\) holds no examples"):
        train(_config(tmp_path, data=f"csv:{one_row}"), log=quiet)
    assert not run.exists()


def test_cli_errors_are_one_line_messages(tmp_path, capsys, monkeypatch):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    assert main(["train", "--epochs", "1", "--out", str(a_file)]) == 1
    assert capsys.readouterr().err == f"minicnn train: {a_file}: File exists\n"
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.json").write_text("{}")
    assert main(["featuremaps", str(tmp_path / "run")]) == 1
    assert "metrics.json is not the metrics of a minicnn training run" in capsys.readouterr().err

    def interrupted(config):
        raise KeyboardInterrupt

    monkeypatch.setattr("minicnn.cli.train", interrupted)
    assert main(["train", "--out", "somewhere"]) == 130
    assert "`minicnn train --resume --out somewhere` continues" in capsys.readouterr().err


def test_feature_maps_show_the_inputs_as_the_network_saw_them_in_training(tmp_path, monkeypatch):
    from minicnn import data as datasets
    from minicnn.train import load_data

    run = tmp_path / "run"
    train(_config(tmp_path, epochs=1), log=quiet)
    seen = []

    def record(model, x):
        seen.append(x)
        return []

    monkeypatch.setattr("minicnn.cli.conv_outputs", record)
    monkeypatch.setattr("minicnn.cli.plot_feature_maps", lambda outputs, path: None)
    assert main(["featuremaps", str(run), "--index", "5"]) == 0
    _, test = datasets.standardize(*load_data("digits"))
    np.testing.assert_array_equal(seen[0], test.x[5])


@pytest.fixture
def no_training(monkeypatch):
    """Epochs that skip the training batches (train loss 1.0, accuracy 0.5) and record the
    learning rate each epoch starts with."""
    rates = []

    def run_epoch(model, criterion, optimizer, *args):
        rates.append(optimizer.param_groups[0]["lr"])
        return 1.0, 0.5

    monkeypatch.setattr("minicnn.train._run_epoch", run_epoch)
    return rates


def test_cosine_schedule_from_lr_towards_zero():
    cosine = [SCHEDULES["cosine"](0.1, epoch, 4) for epoch in range(5)]
    assert cosine == pytest.approx([0.1, 0.0853553, 0.05, 0.0146447, 0.0], abs=1e-7)
    assert SCHEDULES["constant"](0.1, 3, 4) == 0.1


def test_each_epoch_starts_with_its_scheduled_learning_rate(tmp_path, no_training):
    train(_config(tmp_path, epochs=4, lr=0.1), log=quiet)
    assert no_training == pytest.approx([0.1, 0.0853553, 0.05, 0.0146447], abs=1e-7)


def test_metrics_hold_the_last_test_accuracy_numbered_epochs_and_summed_seconds(
    tmp_path, no_training, monkeypatch
):
    clock = iter(range(100))  # each epoch starts and ends one second apart
    monkeypatch.setattr("minicnn.train.time", SimpleNamespace(perf_counter=lambda: next(clock)))
    accuracies = iter([0.75, 0.25, 0.5])  # the last epoch is neither the best nor the first
    monkeypatch.setattr("minicnn.train.evaluate", lambda *args: (1.0, next(accuracies)))
    metrics = train(_config(tmp_path), log=quiet)
    history = metrics["history"]
    assert [h["epoch"] for h in history] == [1, 2] and metrics["seconds"] == 2
    assert [h["test_accuracy"] for h in history] == [0.75, 0.25]
    assert metrics["test_accuracy"] == 0.25
    resumed = train(_config(tmp_path, epochs=3, resume=True), log=quiet)
    assert resumed["seconds"] == 3 and [h["epoch"] for h in resumed["history"]] == [1, 2, 3]


def test_each_epoch_shuffles_with_its_own_seed(tmp_path, no_training, monkeypatch):
    seeds = []

    class Loader(datasets.DataLoader):
        def __init__(self, *args, **kwargs):
            if kwargs.get("shuffle"):
                seeds.append(kwargs["seed"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(datasets, "DataLoader", Loader)
    train(_config(tmp_path, epochs=3, seed=2), log=quiet)
    assert seeds == [2000, 2001, 2002]


def test_resume_refuses_another_seed(tmp_path, no_training):
    train(_config(tmp_path, epochs=1, seed=1), log=quiet)
    with pytest.raises(ValueError, match="it was trained with seed=1, not 2"):
        train(_config(tmp_path, epochs=2, seed=2, resume=True), log=quiet)


def test_augmentation_shifts_images_by_up_to_two_pixels():
    images = SimpleNamespace(input_shape=(1, 28, 28))
    crop = _augmentation(TrainConfig(), images)
    assert (crop.size, crop.padding) == ((28, 28), 2)
    assert _augmentation(TrainConfig(augment=False), images) is None
    assert _augmentation(TrainConfig(), SimpleNamespace(input_shape=(1, 40))) is None


def test_evaluate_averages_over_examples_in_evaluation_mode_then_restores_the_modes():
    rng = np.random.default_rng(0)
    test_set = datasets.Dataset(
        rng.standard_normal((20, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 20), 10
    )
    model, criterion = models.create("lenet", (1, 28, 28), 10), nn.NLLLoss()  # with dropout
    model.eval()
    scores = model(test_set.x)
    expected = (
        float(criterion(scores, test_set.y)),
        float((scores.argmax(1) == test_set.y).mean()),
    )
    model.train()
    assert evaluate(model, criterion, test_set, batch_size=7) == pytest.approx(expected)
    assert all(m.training for m in model.modules())
    evaluate(model.eval(), criterion, test_set)
    assert not any(m.training for m in model.modules())
