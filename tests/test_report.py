"""The access report: golden Markdown for the examples and for a base → head change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from modules.access_model import environment_access
from modules.access_report import Change, changes
from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, PROJECT

GOLDEN = PROJECT / "tests" / "golden"
BASE = GOLDEN / "base_environments"


def run_report(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "report", *arguments],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )


def assert_golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        golden.write_text(text)
    assert golden.read_text() == text, f"{name} differs; review, then UPDATE_SNAPSHOTS=1"


def test_report_of_the_examples_is_golden_and_fast():
    run_report("--env", "dev")  # once to warm the disk cache of a fresh machine
    start = time.perf_counter()
    result = run_report("--environments", "environments")
    elapsed = time.perf_counter() - start
    assert (result.returncode, result.stderr) == (0, "")
    assert_golden("report.md", result.stdout)
    assert elapsed < 1.0, f"report took {elapsed:.2f} s"


def test_changes_from_base_are_golden():
    result = run_report(
        "--environments", "environments", "--base-environments", str(BASE.relative_to(PROJECT))
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert_golden("changes.md", result.stdout)


def test_json_report_is_machine_readable():
    result = run_report("--env", "dev", "--format", "json")
    (dev,) = json.loads(result.stdout)
    analysts = next(role for role in dev["roles"] if role["group"] == "analysts")
    assert analysts["folders"][0] == {
        "prefix": "analysts/",
        "capabilities": ["list", "read"],
        "actions": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"],
    }
    assert dev["several_groups"] == ["finance", "editors", "analysts", "uploads"]
    assert dev["users_without_group"]["folders"][0]["prefix"] == "private/<identity id>/"


def test_no_change_says_so():
    result = run_report("--env", "prod", "--base-environments", "environments")
    assert result.stdout == "# Access changes\n\nNo change in who can do what.\n"


def test_a_new_environment_is_all_added(tmp_path: Path):
    (tmp_path / "_empty.yaml").write_text("{}\n")
    result = run_report("--env", "dev", "--base-environments", str(tmp_path), "--format", "json")
    kinds = {change["kind"] for change in json.loads(result.stdout)}
    assert kinds == {"added"}


def test_invalid_base_exits_2():
    result = run_report("--base-environments", "tests/bad_inputs")
    assert result.returncode == 2
    assert "configuration problem(s):" in result.stderr


@pytest.fixture(scope="module")
def accesses():
    return (
        [environment_access(e) for e in load_valid_environments(BASE, ["staging"])],
        [environment_access(e) for e in load_valid_environments(EXAMPLES, ["staging"])],
    )


def test_changes_are_classified(accesses):
    base, head = accesses
    found = changes(base, head)
    assert Change("staging", "analysts", "widened", "analysts/", ("read",)) in found
    assert Change("staging", "finance", "narrowed", "finance/reports/", ("delete",)) in found
    assert Change("staging", "uploads", "added", "inbox/", ("write",)) in found
    assert changes(head, base) != found
    assert changes(head, head) == []


def test_equal_precedence_and_rules_are_reported_as_they_resolve(write_env):
    text = (
        "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\nbucket: {name: demo-bucket}\n"
        "identity_pool: {allow_equal_precedence: true}\n"
        "groups: [{name: a, access: read, precedence: 1}, {name: b, access: read, precedence: 1}]\n"
    )
    token = run_report("--environments", str(write_env(text)))
    assert (
        "  - `a`, `b` share a precedence: a member of two of them gets no preferred role, "
        "so ambiguous role resolution applies: no credentials.\n"
    ) in token.stdout
    rules = run_report(
        "--environments", str(write_env(text.replace("{allow", "{role_mapping: rules, allow")))
    )
    assert (
        "get the role of the first rule that matches (`cognito:groups` Equals the group name)" in rules.stdout
    )
    assert "CustomRoleArn" not in rules.stdout


def test_settings_that_change_access_are_in_the_diff(tmp_path: Path):
    head = tmp_path / "head"
    head.mkdir()
    for source in EXAMPLES.glob("*.yaml"):
        (head / source.name).write_text(
            source.read_text().replace("folder_guard: true", "folder_guard: false")
        )
    (head / "prod.yaml").write_text(
        "\n".join(
            line
            for line in (head / "prod.yaml").read_text().splitlines()
            if "exempt" not in line and "arn:" not in line
        )
    )
    found = json.loads(
        run_report(
            "--environments",
            str(head),
            "--base-environments",
            "environments",
            "--env",
            "prod",
            "--format",
            "json",
        ).stdout
    )
    details = [change["detail"] for change in found]
    assert details == [
        "folder guard: off (was: on, exempt: arn:aws:iam::123456789012:role/groupfolders-deployer, "
        "arn:aws:iam::123456789012:role/aws-backup-service)"
    ]
