"""`explain`: what a member of exactly some groups gets, per role mapping; golden for a
two-group member in token, rules and tags mode."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import pytest

from modules.access_model import environment_access, received
from modules.explain import explain
from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, PROJECT
from tests.test_report import assert_golden


def run_explain(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "explain", *arguments],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def rules_environments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples with role_mapping rules (union keeps its tags)."""
    directory = tmp_path_factory.mktemp("environments")
    shutil.copytree(EXAMPLES, directory, dirs_exist_ok=True)
    shared = directory / "_groups.yaml"
    shared.write_text(shared.read_text().replace("role_mapping: token", "role_mapping: rules"))
    return directory


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("token.md", ("--env", "dev", "--groups", "finance,analysts")),
        ("tags.md", ("--env", "union", "--groups", "finance,analysts")),
        ("tags.json", ("--env", "union", "--groups", "analysts,editors", "--format", "json")),
    ],
)
def test_a_two_group_member_is_golden(name, arguments):
    result = run_explain(*arguments)
    assert (result.returncode, result.stderr) == (0, "")
    assert_golden(f"explain/{name}", result.stdout)


def test_a_two_group_member_in_rules_mode_is_golden(rules_environments):
    result = run_explain(
        "--environments", str(rules_environments), "--env", "staging", "--groups", "analysts,finance"
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert_golden("explain/rules.md", result.stdout)


def test_an_unknown_group_exits_2_with_a_suggestion():
    result = run_explain("--env", "dev", "--groups", "finance,Analyst,marketing")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "2 configuration problem(s):\n"
        "  --groups: 'Analyst' is not a group of dev (did you mean 'analysts'?)\n"
        "  --groups: 'marketing' is not a group of dev\n"
    )


def test_no_group_at_all_exits_2():
    result = run_explain("--env", "dev", "--groups", ",")
    assert (result.returncode, result.stderr) == (
        2,
        "1 configuration problem(s):\n  --groups: name at least one group, e.g. --groups finance,analysts\n",
    )


def test_token_gives_every_pair_the_role_of_its_lowest_precedence():
    """Read from the configuration, not from the access model that explain and the diff share."""
    (environment,) = load_valid_environments(EXAMPLES, ["dev"])
    access = environment_access(environment)
    for first, second in combinations(environment.groups, 2):
        lowest = min((first, second), key=lambda group: group.precedence)
        assert received(access, [first.name, second.name]).role == access.role(lowest.name)
        assert (
            explain(environment, access, [first.name, second.name]).role == access.role(lowest.name).role_name
        )


def test_equal_precedence_is_ambiguous_in_token_mode_but_ordered_by_name_in_rules(write_env):
    """Rules are tried in precedence then name order, so a tie still has a first rule."""
    text = """\
        app: demo
        region: eu-west-1
        user_pool: {name: demo-pool}
        bucket: {name: demo-bucket}
        identity_pool: {allow_equal_precedence: true, role_mapping: MAPPING}
        groups:
          - {name: b, access: read, precedence: 1}
          - {name: a, access: readwrite, precedence: 1}
        """
    token = environment_access(load_valid_environments(write_env(text.replace("MAPPING", "token")))[0])
    assert received(token, ["a", "b"]).role is None
    rules = environment_access(load_valid_environments(write_env(text.replace("MAPPING", "rules")))[0])
    assert received(rules, ["b", "a"]).role == rules.role("a")


def test_equal_precedence_in_token_mode_gets_no_credentials(write_env):
    directory = write_env(
        """\
        app: demo
        region: eu-west-1
        user_pool: {name: demo-pool}
        bucket: {name: demo-bucket}
        identity_pool: {allow_equal_precedence: true}
        groups:
          - {name: a, access: read, precedence: 1}
          - {name: b, access: readwrite, precedence: 1}
        """
    )
    (environment,) = load_valid_environments(directory)
    found = explain(environment, environment_access(environment), ["a", "b"])
    assert (found.role, found.folders) == (None, ())
    assert found.out_of_reach == (("a/", "a"), ("private/<identity id>/", "a"), ("b/", "b"))
    assert found.reasons[-1] == "Ambiguous role resolution is Deny: this member gets no credentials."


def test_tags_fail_closed_when_the_union_overflows_a_level(write_env):
    directory = write_env(
        """\
        app: demo
        region: eu-west-1
        user_pool: {name: demo-pool}
        bucket: {name: demo-bucket}
        identity_pool: {role_mapping: tags, folders_per_level: 3}
        groups:
          - {name: a, access: read, precedence: 1, prefixes: [a1/, a2/]}
          - {name: b, access: read, precedence: 2, prefixes: [b1/, b2/]}
        """
    )
    (environment,) = load_valid_environments(directory)
    access = environment_access(environment)
    assert len(explain(environment, access, ["a"]).tags) == 2
    found = explain(environment, access, ["a", "b"])
    assert [g.prefix for g in found.folders] == ["private/<identity id>/"]
    assert found.tags == ()
    assert {folder for folder, _ in found.out_of_reach} == {"a1/", "a2/", "b1/", "b2/"}
    assert "Together these groups grant 4 `read` folders, but a user holds at most 3" in found.reasons[1]


def test_json_is_machine_readable():
    result = run_explain("--env", "dev", "--groups", "analysts,uploads", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["role"], data["groups"]) == ("groupfolders-demo-dev-analysts", ["analysts", "uploads"])
    assert data["out_of_reach"] == [{"prefix": "inbox/", "group": "uploads"}]


def test_what_a_member_may_do_in_a_folder_token_and_tags():
    """Received.allows, which `make e2e` compares observed S3 calls with: the one role's folders in
    token mode, the union of the groups' folders in tags mode; the private folder is the member's own."""
    environments = {e.name: e for e in load_valid_environments(EXAMPLES, ["dev", "union"])}
    dev = received(environment_access(environments["dev"]), ["finance", "analysts"])
    assert dev.allows("s3:PutObject", "finance/reports/q1.pdf", "id-1")
    assert not dev.allows("s3:DeleteObject", "finance/reports/q1.pdf", "id-1")
    assert not dev.allows("s3:GetObject", "analysts/a.csv", "id-1")  # analysts' role is not the one taken
    assert dev.allows("s3:GetObject", "private/id-1/a", "id-1")
    assert not dev.allows("s3:GetObject", "private/id-2/a", "id-1")
    union = received(environment_access(environments["union"]), ["finance", "analysts"])
    assert union.allows("s3:GetObject", "analysts/a.csv", "id-1")
    assert union.allows("s3:PutObject", "finance/reports/q1.pdf", "id-1")
    assert not union.allows("s3:PutObject", "analysts/a.csv", "id-1")
    assert not union.allows("s3:GetObject", "content/a.html", "id-1")
