import json
import re
import subprocess
import sys

import numpy as np
import pytest

from minicnn import __version__, models
from minicnn.cli import main
from minicnn.cuda.device import GPUUnavailableError
from minicnn.data import Dataset
from minicnn.serialization import save


def test_demo_walks_through_forward_backward_and_gradcheck(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "im2col     columns (1, 3, 3, 2, 5, 5), a 9 × 50 matrix" in out
    assert "O = (H + 2P − K)/S + 1 = (5 + 2·1 − 3)/1 + 1 = 5" in out
    for name in ("Conv1d", "Conv2d", "Conv3d"):
        assert f"gradcheck  {name}" in out
    by_hand = re.search(r"backward (-?[\d.]+), central difference in float64 (-?[\d.]+)", out)
    assert abs(float(by_hand[1]) - float(by_hand[2])) < 1e-4


def test_version_and_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2 and "COMMAND" in capsys.readouterr().err


def test_console_entry_point_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "minicnn", "demo"], capture_output=True, text=True, check=True
    )
    assert "gradcheck  Conv3d" in result.stdout


def test_demo_seed_defaults_to_0_and_must_not_be_negative(capsys):
    assert main(["demo"]) == 0
    default = capsys.readouterr().out
    assert main(["demo", "--seed", "0"]) == 0
    assert capsys.readouterr().out == default
    assert main(["demo", "--seed", "1"]) == 0
    assert capsys.readouterr().out != default
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--seed", "-1"])
    assert exit_info.value.code == 2
    assert "argument --seed: must be a non-negative integer, got '-1'" in capsys.readouterr().err


def test_interrupting_a_command_other_than_train_is_not_swallowed(monkeypatch):
    def interrupted(seed):
        raise KeyboardInterrupt

    monkeypatch.setattr("minicnn.cli.run_demo", interrupted)
    with pytest.raises(KeyboardInterrupt):
        main(["demo"])


def test_no_usable_gpu_is_a_one_line_error(monkeypatch, capsys):
    def no_gpu(seed):
        raise GPUUnavailableError("no CUDA GPU is visible")

    monkeypatch.setattr("minicnn.cli.run_demo", no_gpu)
    assert main(["demo"]) == 1
    assert capsys.readouterr().err == "minicnn demo: no CUDA GPU is visible\n"


def test_summary_takes_the_input_shape_and_classes_given(capsys):
    assert main(["summary", "fashion-dnn", "--input-shape", "3", "28", "28", "--classes", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fashion-dnn, input 3×28×28, 3 classes\n")
    assert re.search(r"^1 Linear +256 +602,368 ", out, re.M)  # 3·28·28·256 + 256
    assert re.search(r"^6 Linear +3 +387 ", out, re.M)


def test_summary_of_vgg16_defaults_to_the_1000_imagenet_classes(monkeypatch, capsys):
    built = []
    monkeypatch.setattr(models, "create", lambda *args: built.append(args))
    monkeypatch.setattr("minicnn.cli.profile", lambda model, input_shape: [])
    assert main(["summary", "vgg16"]) == 0
    assert built == [("vgg16", (3, 224, 224), 1000)]
    assert capsys.readouterr().out.startswith("vgg16, input 3×224×224, 1000 classes\n")


def _finished_run(tmp_path, monkeypatch):
    """A run folder of mnist1d-cnn (untrained weights) whose data are three test signals."""
    rng = np.random.default_rng(0)
    train = Dataset(rng.standard_normal((4, 1, 40)).astype(np.float32), np.arange(4), 10)
    test = Dataset(rng.standard_normal((3, 1, 40)).astype(np.float32), np.array([7, 8, 9]), 10)
    monkeypatch.setattr("minicnn.cli.load_data", lambda spec, seed: (train, test))
    run = tmp_path / "run"
    run.mkdir()
    metrics = {"model": "mnist1d-cnn", "data": "mnist1d", "history": [], "seconds": 0}
    (run / "metrics.json").write_text(json.dumps({**metrics, "config": {"seed": 0}}))
    save(models.create("mnist1d-cnn", (1, 40), 10).state_dict(), run / "model.npz")
    return run


def test_featuremaps_draws_test_example_0_unless_told_and_checks_the_index(
    tmp_path, monkeypatch, capsys
):
    run = _finished_run(tmp_path, monkeypatch)
    assert main(["featuremaps", str(run), "--index", "3"]) == 1
    assert capsys.readouterr().err == "minicnn featuremaps: --index must be in [0, 3), got 3\n"
    assert main(["featuremaps", str(run)]) == 0
    assert "(test example 0, label 7)" in capsys.readouterr().out
    assert (run / "featuremaps.png").read_bytes()[:4] == b"\x89PNG"
