"""One version, a license, a changelog, and locks that hold exactly the pinned requirements."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from modules import __version__
from tests.conftest import PROJECT

HEADING = re.compile(r"## (\d+\.\d+\.\d+)(?: - \d{4}-\d{2}-\d{2})?")
PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def test_the_changelog_names_the_package_version_first():
    headings = [HEADING.fullmatch(line) for line in (PROJECT / "CHANGELOG.md").read_text().splitlines()]
    versions = [match.group(1) for match in headings if match]
    assert versions[0] == __version__
    assert len(versions) == len(set(versions))


def test_the_package_is_licensed_and_says_so():
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    assert (pyproject["license"], pyproject["license-files"]) == ("Apache-2.0", ["LICENSE"])
    assert (
        "Apache License\n                           Version 2.0, January 2004"
        in (PROJECT / "LICENSE").read_text()
    )


def pins(path: Path) -> set[str]:
    """`name==version` of each requirement line, the name normalized."""
    found = set()
    for line in path.read_text().splitlines():
        match = PIN.fullmatch(line.split(" \\")[0].strip())
        if match and not line.startswith((" ", "#")):
            found.add(f"{re.sub(r'[-_.]+', '-', match.group(1).lower())}=={match.group(2)}")
    return found


@pytest.mark.parametrize(
    ("lock", "inputs"),
    [
        ("requirements.lock", ["requirements.txt"]),
        ("requirements-dev.lock", ["requirements.txt", "requirements-aws.txt", "requirements-dev.txt"]),
        ("requirements-checkov.lock", ["requirements-checkov.txt"]),
        ("requirements-emulator.lock", ["requirements-emulator.txt"]),
        ("requirements-aws.lock", ["requirements.txt", "requirements-aws.txt"]),
    ],
)
def test_each_lock_holds_exactly_its_pins_each_with_its_hashes(lock: str, inputs: list[str]):
    """`make lock` after a pin changes: a lock that lags behind its requirements fails here."""
    wanted = set().union(*(pins(PROJECT / name) for name in inputs))
    assert pins(PROJECT / lock) == wanted
    entries = re.split(r"\n(?=[A-Za-z0-9])", (PROJECT / lock).read_text().strip())
    assert [entry.split()[0] for entry in entries if not HASH.search(entry)] == []


def test_the_lock_check_sees_a_missing_pin(tmp_path: Path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("six==1.17.0 \\\n    --hash=sha256:" + "0" * 64 + "\n    # via -r requirements.txt\n")
    assert pins(lock) == {"six==1.17.0"}
    assert pins(PROJECT / "requirements.txt") != pins(lock)


REV = re.compile(r"\s*#?\s*rev: (\S+)(?:\s+#.*)?")


def test_the_pre_commit_snippets_pin_the_release_tag():
    """The tag is `v<version>` on the commit that sets the version (CHANGELOG.md)."""
    for name in ("README.md", ".pre-commit-hooks.yaml"):
        revs = [m.group(1) for m in map(REV.fullmatch, (PROJECT / name).read_text().splitlines()) if m]
        assert revs == [f"v{__version__}"], name
    assert "tagged `v<version>`" in (PROJECT / "CHANGELOG.md").read_text()
