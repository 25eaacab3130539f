"""docs/tutorial.md runs as written: every `>>>` example as a doctest (all Python blocks in
order, one session), every `$ minicnn …` command through the command line, each output
compared with the text that follows it (``...`` matches anything)."""

import contextlib
import doctest
import io
import re
import shlex
from pathlib import Path

from minicnn.cli import main

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
TEXT = TUTORIAL.read_text(encoding="utf-8")
BLOCKS = [
    (m[1], m[2], TEXT.count("\n", 0, m.start(2)))
    for m in re.finditer(r"^```(\w*)\n(.*?)^```$", TEXT, re.S | re.M)
]
CHECKER, FLAGS = doctest.OutputChecker(), doctest.ELLIPSIS


def test_every_block_is_a_checked_session():
    kinds = [kind for kind, _, _ in BLOCKS]
    assert set(kinds) == {"python", "console"}, "only python (>>>) and console ($) blocks"
    for kind, body, _ in BLOCKS:
        assert body.startswith(">>> " if kind == "python" else "$ minicnn ")
    assert len(BLOCKS) >= 15


def test_python_examples_print_what_the_tutorial_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the picture blocks write docs/images/*.png
    (tmp_path / "docs" / "images").mkdir(parents=True)
    # One doctest whose line numbers are the tutorial's: the Python blocks stay in place,
    # every other line is blank.
    lines = [""] * TEXT.count("\n")
    for kind, body, first_line in BLOCKS:
        if kind == "python":
            lines[first_line : first_line + body.count("\n")] = body.splitlines()
    test = doctest.DocTestParser().get_doctest("\n".join(lines), {}, "tutorial", str(TUTORIAL), 0)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()
    assert runner.tries >= 40
    for picture in ("max-pooling.png", "feature-maps.png"):
        png = (tmp_path / "docs" / "images" / picture).read_bytes()
        assert png.startswith(b"\x89PNG") and (TUTORIAL.parent / "images" / picture).exists()


def test_commands_print_what_the_tutorial_says():
    commands = 0
    for kind, body, first_line in BLOCKS:
        if kind != "console":
            continue
        for session in re.split(r"^(?=\$ )", body, flags=re.M)[1:]:
            command, _, expected = session.partition("\n")
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                assert main(shlex.split(command)[2:]) == 0, command
            got = printed.getvalue()
            where = f"{command!r} (tutorial line {first_line})"
            assert CHECKER.check_output(expected, got, FLAGS), (
                f"{where} printed:\n{got}\nbut the tutorial says:\n{expected}"
            )
            commands += 1
    assert commands >= 6
