"""One line about an end-of-life Node.js instead of jsii's banner on every kernel start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modules import node_runtime
from modules.node_runtime import SILENCE_VARIABLE, quiet_end_of_life_banner
from tests.conftest import PROJECT


def fake_node(directory: Path, answer: str) -> None:
    node = directory / "node"
    node.write_text(f"#!/bin/sh\necho '{answer}'\n")
    node.chmod(0o755)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            "v20.19.2",
            (
                "20",
                "groupfolders: Node.js 20 is past its end of life; use Node.js 22 or later "
                "(jsii's banner about it is silenced)\n",
            ),
        ),
        ("v22.11.0", (None, "")),
        ("not a version", (None, "")),
    ],
)
def test_an_end_of_life_node_is_said_once_in_one_line(tmp_path, monkeypatch, capsys, answer, expected):
    fake_node(tmp_path, answer)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(SILENCE_VARIABLE, raising=False)
    quiet_end_of_life_banner()
    assert (os.environ.get(SILENCE_VARIABLE), capsys.readouterr().err) == expected


def test_a_choice_of_the_user_is_left_alone(tmp_path, monkeypatch, capsys):
    fake_node(tmp_path, "v20.1.0")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv(SILENCE_VARIABLE, "18")
    quiet_end_of_life_banner()
    assert (os.environ[SILENCE_VARIABLE], capsys.readouterr().err) == ("18", "")


def test_no_node_on_the_path_is_left_to_jsii_to_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(SILENCE_VARIABLE, raising=False)
    assert node_runtime.node_major() is None
    quiet_end_of_life_banner()
    assert (SILENCE_VARIABLE in os.environ, capsys.readouterr().err) == (False, "")


def test_synth_without_the_variable_prints_no_banner(tmp_path):
    """The real kernel on this machine's Node.js: no `!!` line, at most our one line."""
    environment = {key: value for key, value in os.environ.items() if key != SILENCE_VARIABLE}
    result = subprocess.run(
        [sys.executable, "main.py", "synth", "--quiet", "--env", "dev", "--outdir", str(tmp_path / "out")],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "!!" not in result.stderr
    assert len(result.stderr.splitlines()) <= 1
