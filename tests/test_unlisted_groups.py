"""identity_pool.unlisted_groups as a reviewer sees it: the diff's directions, explain, the report.

The Lambda's own behaviour for unlisted groups, against an IAM evaluator, is tests/test_tags.py's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from modules.access_model import environment_access
from modules.access_report import access_markdown, changes
from modules.client_config import ClientIds, client_config
from modules.config.docs import configuration_table
from modules.explain import explain, explanation_markdown
from modules.policies.environment_documents import environment_documents
from modules.policies.principal_tags import lambda_data
from modules.policies.references import placeholder_references
from modules.validation import load_valid_environments
from tests.conftest import PROJECT
from tests.lambda_handler import template_handler

GROUPS = "groups: [{name: finance, access: read, precedence: 1}, {name: editors, access: readwrite, precedence: 2}]\n"
SHARED = "shared_folders: [{prefix: reports/, access: {finance: read}}]\n"


def environment_text(unlisted: str | None, *, shared: bool = True) -> str:
    pool = "role_mapping: tags" + (f", unlisted_groups: {{access: {unlisted}}}" if unlisted else "")
    return (
        "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\nbucket: {name: demo-bucket}\n"
        f"identity_pool: {{{pool}}}\n{GROUPS}{SHARED if shared else ''}"
    )


def load(directory: Path, text: str):
    directory.mkdir(parents=True)
    (directory / "e.yaml").write_text(text)
    (environment,) = load_valid_environments(directory)
    return environment


def setting_changes(tmp_path: Path, before: str, after: str) -> list[tuple[str, str]]:
    base = environment_access(load(tmp_path / "base", before))
    head = environment_access(load(tmp_path / "head", after))
    return [
        (c.kind, c.detail.partition(":")[0])
        for c in changes([base], [head])
        if not c.subject and not c.prefix
    ]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, "read", [("widened", "unlisted groups"), ("widened", "unlisted groups reserve")]),
        ("read", "readwrite", [("widened", "unlisted groups")]),
        ("readwrite", "read", [("narrowed", "unlisted groups")]),
        ("read", None, [("narrowed", "unlisted groups")]),
    ],
    ids=["turned-on", "level-raised", "level-lowered", "turned-off"],
)
def test_each_change_of_the_rule_has_its_direction(tmp_path: Path, before, after, expected):
    assert setting_changes(tmp_path, environment_text(before), environment_text(after)) == expected


def test_removing_a_reserved_folder_is_a_widening_and_adding_one_a_narrowing(tmp_path: Path):
    """Without the shared folder reports/, an unlisted group `reports` gets it."""
    with_shared, without = environment_text("read"), environment_text("read", shared=False)
    assert ("widened", "unlisted groups reserve") in setting_changes(tmp_path / "a", with_shared, without)
    assert ("narrowed", "unlisted groups reserve") in setting_changes(tmp_path / "b", without, with_shared)


def test_the_lambda_data_holds_the_rule_only_when_it_is_on(tmp_path: Path):
    assert "unlisted" not in lambda_data(load(tmp_path / "off", environment_text(None)))
    data = lambda_data(load(tmp_path / "on", environment_text("read")))
    assert data["unlisted"] == {
        "access": "read",
        "listed": ["editors", "finance"],
        "reserved": ["editors/", "finance/", "private/", "reports/"],
    }
    assert sorted(data["slots"]) == ["read", "readwrite"]


def test_a_level_used_only_by_the_rule_gets_its_slots(tmp_path: Path):
    data = lambda_data(load(tmp_path / "e", environment_text("list")))
    assert sorted(data["slots"]) == ["list", "read", "readwrite"]


def test_explain_answers_for_a_group_not_in_the_yaml_by_the_rule(tmp_path: Path):
    environment = load(tmp_path / "e", environment_text("read"))
    access = environment_access(environment)
    found = explain(environment, access, ["newteam", "finance"])
    assert [(g.prefix, g.capabilities) for g in found.folders][:3] == [
        ("finance/", ("list", "read")),
        ("reports/", ("list", "read")),
        ("newteam/", ("list", "read")),
    ]
    text = explanation_markdown(found)
    assert "- Any other group of the pool: `<name>/` at `read`, unless the Lambda's rule refuses" in text
    assert (
        "- `newteam` is not in the configuration; the rule for any other group of the pool gives it " in text
    )
    refused = explanation_markdown(explain(environment, access, ["Finance"]))
    assert "refuses it (and the Lambda logs why): `its name differs only in case from a group" in refused
    assert "| `finance/` |" not in refused


def test_the_report_states_the_rule(tmp_path: Path):
    on = access_markdown([environment_access(load(tmp_path / "on", environment_text("read")))])
    assert "- **Any other group of the pool:** `<name>/` at `read` (list, read), decided by" in on
    off = access_markdown([environment_access(load(tmp_path / "off", environment_text(None)))])
    assert "Any other group of the pool" not in off


UNLISTED = {"access": "read", "listed": ["finance"], "reserved": ["finance/", "private/", "team/data/"]}


@pytest.mark.parametrize(
    ("group", "refusal"),
    [
        ("newteam", None),
        ("a" * 255, None),
        ("x.y_z-1", None),
        ("FINANCE", "its name differs only in case from a group of the configuration"),
        ("team", "'team/' overlaps the configured folder 'team/data/'"),  # would contain it
        ("private", "'private/' overlaps the configured folder 'private/'"),
        ("a" * 256, "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')"),
        ("..", "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')"),
        ("", "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')"),
        ("new\nteam", "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')"),
        ("team/data", "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')"),
    ],
)
def test_the_lambdas_rule_for_one_name(group: str, refusal: str | None):
    assert template_handler().unlisted_refusal(group, UNLISTED) == refusal


def test_without_the_rule_an_unlisted_group_grants_nothing():
    handler = template_handler()
    grants = {"unused": "none", "slots": {"read": ["read.1"]}, "groups": {"finance": {"read": ["finance/"]}}}
    assert handler.folder_claims(["newteam"], grants, "u") == {"read.1": "none"}
    with_rule = {**grants, "unlisted": UNLISTED}
    assert handler.folder_claims(["newteam"], with_rule, "u") == {"read.1": "newteam/"}


def test_client_config_describes_the_pattern(tmp_path: Path):
    ids = ClientIds("pool", "client", "identities")
    on = load(tmp_path / "on", environment_text("read"))
    custom = client_config(on, environment_access(on), ids)["custom"]["groupfolders"]
    assert custom["unlisted_groups"] == {
        "folder": "<name>/",
        "access": "read",
        "actions": ["list", "get"],
        "listed": ["editors", "finance"],
        "reserved": ["editors/", "finance/", "private/", "reports/"],
    }
    off = load(tmp_path / "off", environment_text(None))
    assert "unlisted_groups" not in client_config(off, environment_access(off), ids)["custom"]["groupfolders"]


def test_explain_newteam_on_the_union_example_answers_by_the_rule():
    found = subprocess.run(
        [sys.executable, "main.py", "explain", "--env", "union", "--groups", "newteam"],
        cwd=PROJECT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    assert "| `newteam/` | ✓ | ✓ | · | · |" in found.stdout
    assert "the rule for any other group of the pool gives it `newteam/` at `read`." in found.stdout
    # Token mapping hands out only a role some group of the user carries: a group made by hand
    # must carry the folders role, and explain says so rather than promise the folder.
    assert (
        "such a group must carry the folders role (its IAM role, `create-group --role-arn`)" in found.stdout
    )


def guard_sids(tmp_path: Path, unlisted: str | None) -> list[str]:
    text = environment_text(unlisted).replace(
        "bucket: {name: demo-bucket}",
        "bucket: {name: demo-bucket, folder_guard: true, exempt_principals: [arn:aws:iam::123456789012:role/d]}",
    )
    environment = load(tmp_path, text)
    policy = environment_documents(environment, placeholder_references(environment)).bucket_policy
    assert policy is not None
    return [statement["Sid"] for statement in policy["Statement"] if statement["Sid"].startswith("Guard")]


def test_the_folder_guard_closes_every_object_key_with_the_rule_as_without(tmp_path: Path):
    """The unlisted groups' folders are unknown at synth: the guard names no folder at all (it
    closes every object key to all but our roles and the exempt), so it serves them unchanged."""
    with_the_rule = guard_sids(tmp_path / "on", "read")
    assert with_the_rule == guard_sids(tmp_path / "off", None)
    assert "GuardObjects" in with_the_rule


def room_changes(tmp_path: Path, before: str, after: str) -> list[tuple[str, str]]:
    base = environment_access(load(tmp_path / "base", before))
    head = environment_access(load(tmp_path / "head", after))
    return [
        (c.subject, c.detail)
        for c in changes([base], [head])
        if c.prefix == "<name>/" and c.kind == "widened"
    ]


def test_a_listed_group_that_loses_a_folder_leaves_room_for_unlisted_ones(tmp_path: Path):
    """finance reads finance/ and reports/: with three unlisted groups, five read folders for four
    slots, so nothing; without reports/ they fit, and the member gets all four."""
    assert room_changes(tmp_path / "a", environment_text("read"), environment_text("read", shared=False)) == [
        (
            "finance",
            "a member of `finance` and of groups the YAML does not list may now hold their folders at "
            "`read` where `finance`'s folders overflowed a level before",
        )
    ]
    assert (
        room_changes(tmp_path / "b", environment_text("read", shared=False), environment_text("read")) == []
    )


def test_more_slots_or_another_level_leave_room_for_unlisted_ones(tmp_path: Path):
    text = environment_text("read")
    more = text.replace("{role_mapping: tags,", "{role_mapping: tags, folders_per_level: 5,")
    assert room_changes(tmp_path / "a", text, more) == [
        ("", "a member of groups the YAML does not list may hold more of their folders")
    ]
    assert room_changes(tmp_path / "b", more, text) == []
    moved = room_changes(tmp_path / "c", text, environment_text("list"))
    assert moved == [("", "the folders of groups the YAML does not list move to the slots of `list`")]


def test_the_configuration_table_names_the_optional_block_and_its_key():
    """An optional block is one row of its own (default none), its keys follow with '.', not '[].'."""
    table = configuration_table()
    assert "| `identity_pool.unlisted_groups` | none | `tags`: a member of any group of the pool " in table
    assert "| `identity_pool.unlisted_groups.access` | required | the access level " in table
    assert "| `groups[].name` | required |" in table
