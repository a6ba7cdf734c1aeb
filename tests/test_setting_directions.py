"""Each change of the folder guard is a widening or a narrowing, by who may then reach the folders.

The guard denies every principal but the group roles and the exempt principals: turning it off,
or exempting a principal that was not exempt before, lets more principals near the folders.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from modules.access_model import environment_access
from modules.access_report import ALWAYS_WIDENING, NEUTRAL, SETTING_DIRECTIONS, changes
from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, PROJECT

DEPLOYER = "arn:aws:iam::123456789012:role/deployer"
BACKUP = "arn:aws:iam::123456789012:role/backup"
OFF = None


def environment(directory: Path, exempt: tuple[str, ...] | None) -> Path:
    """One environment; `exempt`: the exempt principals of a folder guard, None for no guard."""
    directory.mkdir()
    guard = "" if exempt is None else f", folder_guard: true, exempt_principals: [{', '.join(exempt)}]"
    (directory / "e.yaml").write_text(
        "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\n"
        f"bucket: {{name: demo-bucket{guard}}}\n"
        "groups: [{name: a, access: read, precedence: 1}]\n"
    )
    return directory


def guard_changes(tmp_path: Path, before: tuple[str, ...] | None, after: tuple[str, ...] | None) -> list:
    base, head = (
        [environment_access(e) for e in load_valid_environments(environment(tmp_path / name, exempt))]
        for name, exempt in (("base", before), ("head", after))
    )
    return [(change.kind, change.detail) for change in changes(base, head)]


def shown(exempt: tuple[str, ...] | None) -> str:
    return "off" if exempt is None else f"on, exempt: {', '.join(exempt)}"


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        ((DEPLOYER,), OFF, "widened"),  # every principal may reach the folders again
        ((DEPLOYER, BACKUP), OFF, "widened"),
        (OFF, (DEPLOYER,), "narrowed"),
        ((DEPLOYER,), (DEPLOYER, BACKUP), "widened"),  # one more exempt principal
        ((DEPLOYER, BACKUP), (DEPLOYER,), "narrowed"),
        ((DEPLOYER,), (BACKUP,), "widened"),  # another principal, though as many
    ],
    ids=["off", "off-two", "on", "exempt-more", "exempt-fewer", "exempt-another"],
)
def test_each_change_of_the_folder_guard_has_its_direction(tmp_path: Path, before, after, kind):
    detail = f"folder guard: `{shown(after)}` (was: `{shown(before)}`)"
    assert guard_changes(tmp_path, before, after) == [(kind, detail)]


def test_turning_the_guard_off_fails_a_gate_on_widenings(tmp_path: Path):
    base, head = environment(tmp_path / "base", (DEPLOYER,)), environment(tmp_path / "head", OFF)

    def report(base: Path, head: Path) -> subprocess.CompletedProcess[str]:
        arguments = ["--environments", str(head), "--base-environments", str(base), "--fail-on", "widened"]
        return subprocess.run(
            [sys.executable, "main.py", "report", *arguments],
            cwd=PROJECT, capture_output=True, text=True, check=False,
        )  # fmt: skip

    off = report(base, head)
    assert (off.returncode, off.stderr.splitlines()[-1]) == (
        3,
        "error: the diff holds widened changes (--fail-on)",
    )
    assert f"- **widened**: folder guard: `off` (was: `on, exempt: {DEPLOYER}`)\n" in off.stdout
    on = report(head, base)
    assert on.returncode == 0, on.stderr
    assert f"- **narrowed**: folder guard: `on, exempt: {DEPLOYER}` (was: `off`)\n" in on.stdout


def test_every_setting_the_model_emits_has_exactly_one_declared_direction():
    """The examples (union: tags mode with unlisted groups; prod: the guard) emit every setting."""
    accesses = [environment_access(e) for e in load_valid_environments(EXAMPLES)]
    keys = {key for access in accesses for key, _ in access.settings}
    assert {"unlisted groups", "unlisted groups reserve", "folders per level"} <= keys
    declared = [ALWAYS_WIDENING, NEUTRAL, set(SETTING_DIRECTIONS)]
    assert [key for key in sorted(keys) if sum(key in group for group in declared) != 1] == []
