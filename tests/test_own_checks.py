"""Our own checkov rules (checks/, CKV_GF_*) against their fixtures, in both Terraform forms.

Each tests/check_fixtures/<check id>/ holds a main.tf.json (CDKTF shape) and a main.tf
(hand-written HCL) whose entities are named pass_* (must pass), fail_* (must fail) or
anything else (must not be reported by that check, e.g. na_*: the rule does not apply).
checkov runs once per session, over every fixture directory and both frameworks.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKS_DIR = ROOT / "checks"
FIXTURES_DIR = ROOT / "tests" / "check_fixtures"
HELPER_FILES = {"__init__.py", "gf_common.py"}  # loaded by checkov too, but define no check
CHECK_IDS = sorted(p.name for p in FIXTURES_DIR.iterdir() if p.is_dir())
FIXTURE_FILES = {"terraform_json": "main.tf.json", "terraform": "main.tf"}  # checkov framework -> file
CHECK_ID = re.compile(r"CKV_GF_\d+")
HCL_BLOCK = re.compile(r'^(resource|data)\s+"([\w-]+)"\s+"([\w-]+)"', re.MULTILINE)


Reported = dict[tuple[str, str, str], dict[str, set[str]]]


def _checkov() -> Path:
    """GROUPFOLDERS_CHECKOV: a path (relative to the project) or a command name on PATH."""
    setting = os.environ.get("GROUPFOLDERS_CHECKOV", ".venv-checkov/bin/checkov")
    if os.sep not in setting and (found := shutil.which(setting)):
        return Path(found)
    path = Path(setting)
    return path if path.is_absolute() else ROOT / path


@pytest.fixture(scope="session")
def reports() -> list[dict] | None:
    """checkov's JSON reports over every fixture directory, both frameworks, only our rules
    (`--check 'CKV_GF_*'`: checkov matches check ids with fnmatch).

    None when checkov is missing: each test then FAILS saying so (a fixture error would
    only show up as ERROR, and a skip would hide that the rules were never run).
    """
    if not _checkov().exists():
        return None
    command = [
        str(_checkov()),
        *("-d", str(FIXTURES_DIR), "--framework", *FIXTURE_FILES),
        *("--external-checks-dir", str(CHECKS_DIR), "--check", "CKV_GF_*"),
        *("--skip-download", "-o", "json"),
    ]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    # Exit code 1 only means "some check failed", which the fail_* fixtures guarantee.
    assert run.returncode in (0, 1), f"checkov exited {run.returncode}:\n{run.stderr[-3000:]}"
    found = json.loads(run.stdout)
    return found if isinstance(found, list) else [found]


def _results(reports: list[dict]) -> list[tuple[str, str, dict]]:
    """(framework, outcome, result) of every passed, failed or skipped check."""
    return [
        (report["check_type"], outcome, result)
        for report in reports
        for outcome in ("passed", "failed", "skipped")
        for result in report["results"][f"{outcome}_checks"]
    ]


@pytest.fixture(scope="session")
def reported(reports: list[dict] | None) -> Reported | None:
    """(check id, framework, fixture dir) -> {"passed"|"failed"|"skipped": resource ids}."""
    if reports is None:
        return None
    results: Reported = defaultdict(lambda: {"passed": set(), "failed": set(), "skipped": set()})
    for framework, outcome, result in _results(reports):
        fixture_dir = Path(result["file_path"]).parent.name  # "/CKV_GF_1/main.tf" -> CKV_GF_1
        results[(result["check_id"], framework, fixture_dir)][outcome].add(result["resource"])
    return results


def _require_checkov(found: object) -> None:
    if found is None:
        pytest.fail(
            f"checkov not found at {_checkov()}: run `make .venv-checkov/.installed` "
            "(or point GROUPFOLDERS_CHECKOV at a checkov binary)",
            pytrace=False,
        )


def _declared(check_id: str, framework: str) -> list[tuple[str, str, str]]:
    """(resource|data, type, name) of every entity in a fixture file."""
    path = FIXTURES_DIR / check_id / FIXTURE_FILES[framework]
    if framework == "terraform":
        return HCL_BLOCK.findall(path.read_text())
    document = json.loads(path.read_text())
    return [
        (kind, entity_type, name)
        for kind in ("resource", "data")
        for entity_type, entities in document.get(kind, {}).items()
        for name in entities
    ]


def _report_id(kind: str, entity_type: str, name: str, framework: str) -> str:
    # checkov names tf.json entities "resource.<name>" / "data.<name>" (no type), .tf ones "<type>.<name>".
    return f"{kind}.{name}" if framework == "terraform_json" else f"{entity_type}.{name}"


def _expected(check_id: str, framework: str, prefix: str) -> set[str]:
    return {
        _report_id(kind, entity_type, name, framework)
        for kind, entity_type, name in _declared(check_id, framework)
        if name.startswith(prefix)
    }


@pytest.mark.parametrize("framework", sorted(FIXTURE_FILES))
@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_check_passes_and_fails_exactly_its_fixtures(
    reported: Reported | None, check_id: str, framework: str
) -> None:
    _require_checkov(reported)
    got = reported[(check_id, framework, check_id)]
    assert got["failed"] == _expected(check_id, framework, "fail_")
    assert got["passed"] == _expected(check_id, framework, "pass_")
    assert not got["skipped"]


@pytest.mark.parametrize("framework", sorted(FIXTURE_FILES))
@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_fixtures_are_unambiguous_and_cover_both_outcomes(check_id: str, framework: str) -> None:
    declared = _declared(check_id, framework)
    ids = [_report_id(*entity, framework) for entity in declared]
    assert len(ids) == len(set(ids)), "tf.json reports drop the type: names must be unique per file"
    names = [name for _, _, name in declared]
    assert any(n.startswith("pass_") for n in names) and any(n.startswith("fail_") for n in names)


def _ids_in(path: Path) -> set[str]:
    """Check ids written as string literals (docstrings that merely mention one do not count)."""
    tree = ast.parse(path.read_text())
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CHECK_ID.fullmatch(node.value)
    }


def test_one_rule_per_check_file_and_fixtures_for_every_rule() -> None:
    ids_per_file = {path.name: _ids_in(path) for path in sorted(CHECKS_DIR.glob("*.py"))}
    for name, ids in ids_per_file.items():
        expected_count = 0 if name in HELPER_FILES else 1
        assert len(ids) == expected_count, f"{name} defines {sorted(ids)}"
    all_ids = sorted(i for ids in ids_per_file.values() for i in ids)
    assert all_ids == CHECK_IDS  # no id twice, and a fixture directory per rule


def test_the_wildcard_selects_exactly_our_rules(reports: list[dict] | None) -> None:
    _require_checkov(reports)
    assert sorted({result["check_id"] for _, _, result in _results(reports)}) == CHECK_IDS


def test_every_rule_links_its_section_of_the_checks_readme(reports: list[dict] | None) -> None:
    """checkov prints the guideline under each result ("Guide:"); it must lead to the rule's text."""
    _require_checkov(reports)
    guidelines = {result["check_id"]: result["guideline"] for _, _, result in _results(reports)}
    assert guidelines == {check_id: f"checks/README.md#{check_id.lower()}" for check_id in CHECK_IDS}
    readme = (CHECKS_DIR / "README.md").read_text()
    for check_id in CHECK_IDS:
        anchor = f'<a id="{check_id.lower()}"></a>**{check_id}:'
        assert readme.count(anchor) == 1, f"checks/README.md has no section {anchor}"
