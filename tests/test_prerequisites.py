"""What synth and check need beyond the base install is found before anything is synthesized,
and a missing one is one line whose hint fits how groupfolders was installed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modules import __version__, prerequisites
from modules.cli import main
from modules.prerequisites import MissingPrerequisite, checkov_binary, require_node, require_synth_extra
from tests.conftest import EXAMPLES, PROJECT


def program(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_checkov(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No GROUPFOLDERS_CHECKOV, no checkout .venv-checkov, an empty PATH; the PATH directory."""
    monkeypatch.delenv("GROUPFOLDERS_CHECKOV", raising=False)
    monkeypatch.setattr(prerequisites, "CHECKOUT_CHECKOV", tmp_path / "missing" / "checkov")
    path = tmp_path / "path"
    path.mkdir()
    monkeypatch.setenv("PATH", str(path))
    return path


def test_checkov_is_found_through_the_variable_then_the_checkout_then_path(tmp_path, monkeypatch, no_checkov):
    on_path = program(no_checkov, "checkov")
    assert checkov_binary() == on_path
    checkout = program(tmp_path / "venv", "checkov")
    monkeypatch.setattr(prerequisites, "CHECKOUT_CHECKOV", checkout)
    assert checkov_binary() == checkout, "this checkout's pinned checkov comes before PATH"
    monkeypatch.setattr(prerequisites, "installed_by", lambda: "pip")
    assert checkov_binary() == on_path, "an installed groupfolders has no checkout"
    given = program(tmp_path / "given", "checkov")
    monkeypatch.setenv("GROUPFOLDERS_CHECKOV", str(given))
    assert checkov_binary() == given


@pytest.mark.parametrize(
    ("installed_by", "hint"),
    [
        ("checkout", "run `make .venv-checkov/.installed`"),
        ("pip", "install it into an environment of its own (`pipx install checkov==3.3.30`)"),
        ("pipx", "run `pipx install checkov==3.3.30`"),
    ],
)
def test_a_missing_checkov_is_one_line_with_a_hint_for_the_installation(
    monkeypatch, no_checkov, installed_by, hint
):
    monkeypatch.setattr(prerequisites, "installed_by", lambda: installed_by)
    with pytest.raises(MissingPrerequisite) as caught:
        checkov_binary()
    assert str(caught.value) == f"checkov not found on PATH: {hint}, or set GROUPFOLDERS_CHECKOV to its path"


def test_the_hint_names_the_pinned_checkov():
    pins = (PROJECT / "requirements-checkov.txt").read_text().splitlines()
    assert f"checkov=={prerequisites.CHECKOV_VERSION}" in pins


def test_this_checkout_is_known_as_one():
    assert prerequisites.installed_by() == "checkout"


@pytest.mark.parametrize(
    ("installed_by", "hint"),
    [
        ("checkout", "run `make .venv/.installed`"),
        ("pip", f"run `pip install 'groupfolders[synth]=={__version__}'`"),
        ("pipx", f"run `pipx install --force 'groupfolders[synth]=={__version__}'`"),
    ],
)
def test_a_missing_synth_extra_says_how_to_get_it(monkeypatch, installed_by, hint):
    require_synth_extra("synth")  # this environment has it
    monkeypatch.setattr(prerequisites, "SYNTH_MODULES", ("cdktf", "no_such_binding"))
    monkeypatch.setattr(prerequisites, "installed_by", lambda: installed_by)
    with pytest.raises(MissingPrerequisite) as caught:
        require_synth_extra("check")
    assert str(caught.value) == (
        "check needs the synth extra (cdktf and the AWS provider bindings, not in the base install; "
        f"missing: no_such_binding): {hint}"
    )


def test_node_is_looked_for_on_path(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingPrerequisite) as caught:
        require_node()
    assert str(caught.value) == (
        "Node.js not found on PATH (cdktf runs on it): install Node.js 22 or later "
        "(https://nodejs.org/) and put `node` on PATH"
    )
    program(tmp_path, "node")
    require_node()


@pytest.mark.parametrize("command", ["synth", "check"])
def test_synth_and_check_refuse_without_node_before_writing_anything(tmp_path, monkeypatch, capsys, command):
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "out"
    assert main([command, "--environments", str(EXAMPLES), "--outdir", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(r"error: Node\.js not found on PATH \(cdktf runs on it\): [^\n]+\n", err)
    assert not out.exists()
