import re
import subprocess
import sys

import pytest

from minicnn import __version__
from minicnn.cli import main


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
