"""The README's Python examples run as written."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_usage_example_runs_and_gives_the_stated_shapes():
    namespace = {}
    exec(BLOCKS[0], namespace)
    assert namespace["y"].shape == (4, 8, 32, 32) and namespace["y"].dtype.name == "float32"
    assert namespace["dx"].shape == namespace["x"].shape


def test_property_test_example_runs():
    namespace = {}
    exec(BLOCKS[1], namespace)
    namespace["test_my_layer"]()
    assert len(BLOCKS) == 2
