import json

import pytest

from minicnn.cli import main
from minicnn.serialization import load
from minicnn.train import NonFiniteLoss, TrainConfig, train


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
        train(_config(tmp_path, epochs=2, resume=True), log=quiet)


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
    with pytest.raises(SystemExit):
        main(["train", "--epochs", "0"])
