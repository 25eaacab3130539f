"""The README's Python examples run as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def _block(marker):
    (block,) = [b for b in BLOCKS if marker in b]
    namespace = {}
    exec(block, namespace)
    return namespace


def test_usage_example_runs_and_gives_the_stated_shapes():
    namespace = _block("conv = mc.nn.Conv2d(3, 8")
    assert namespace["y"].shape == (4, 8, 32, 32) and namespace["y"].dtype.name == "float32"
    assert namespace["dx"].shape == namespace["x"].shape


def test_training_loop_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = _block("optimizer.step()")
    assert namespace["loss"].shape == () and namespace["loss"].dtype.name == "float32"
    assert (tmp_path / "model.npz").exists()


def test_property_test_example_runs():
    _block("def test_my_layer")["test_my_layer"]()
    assert len(BLOCKS) == 3
