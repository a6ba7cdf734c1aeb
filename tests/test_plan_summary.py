"""`plan-summary` on plan JSON written by hand from Terraform's documented format.

Format: https://developer.hashicorp.com/terraform/internals/json-format ("Change Representation":
`resource_changes[].change.actions`); the fixtures follow the shape `terraform show -json` 1.10 prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modules import bounded_json
from modules.bounded_json import MAX_DEPTH, TooDeep
from modules.cli import main
from modules.plan_summary import (
    FOLD_AFTER,
    SUMMARY_LIMIT,
    Change,
    PlanError,
    changes,
    load_plan,
    summary,
    totals,
)
from tests.conftest import PROJECT

FIXTURES = PROJECT / "tests" / "plan_fixtures"
GOLDEN = PROJECT / "tests" / "golden" / "plan_summary"


@pytest.mark.parametrize(
    "name", ["group_renamed_pool_destroyed", "first_apply", "no_changes", "adopt_groups"]
)
def test_summary_is_golden(name: str, capsys):
    assert main(["plan-summary", str(FIXTURES / f"{name}.json"), "--title", "dev"]) == 0
    text = capsys.readouterr().out
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text)
    assert golden.read_text() == text, f"{golden.name} differs; review, then UPDATE_SNAPSHOTS=1"


def test_imports_are_counted_and_listed_first():
    """`change.importing` (Terraform >= 1.5): an adopted object, imported with no change or
    with the update that follows; before every other change, as Terraform counts them."""
    found = load_plan(FIXTURES / "adopt_groups.json")
    assert [(c.address, c.kind, c.importing) for c in found if c.importing] == [
        ("aws_cognito_user_group.group_team", "change", True),
        ("aws_cognito_identity_pool.identities", "noop", True),
        ("aws_cognito_identity_pool_roles_attachment.identities_roles", "change", True),
    ]
    rows = [line for line in summary(found, "prod").splitlines() if line.startswith("| ")][1:]
    assert rows == [
        "| import, then change | `aws_cognito_identity_pool_roles_attachment.identities_roles` |",
        "| import, then change | `aws_cognito_user_group.group_team` |",
        "| import | `aws_cognito_identity_pool.identities` |",
        "| add | `aws_cognito_user_group.group_fresh` |",
        "| add | `aws_iam_role.group_team_role` |",
    ]
    assert "**3 to import, 2 to add, 2 to change, 0 to destroy**" in summary(found, "prod")
    no_import = summary([Change("aws_iam_role.r", "aws_iam_role", "add")], "dev")
    assert "to import" not in no_import


def test_a_replaced_identity_pool_is_at_risk():
    """Its identity ids name the private folders: a replacement loses every user's folder."""
    text = summary(
        [Change("aws_cognito_identity_pool.identities", "aws_cognito_identity_pool", "replace")], "p"
    )
    assert (
        "> - **replace** `aws_cognito_identity_pool.identities`: a replaced identity pool gives every" in text
    )
    kept = summary(
        [Change("aws_cognito_identity_pool.identities", "aws_cognito_identity_pool", "change")], "p"
    )
    assert "[!CAUTION]" not in kept


def test_every_documented_change_has_its_kind():
    plan = {
        "format_version": "1.2",
        "planned_values": {},
        "resource_changes": [
            {"address": f"aws_s3_bucket.b{i}", "type": "aws_s3_bucket", "change": {"actions": actions}}
            for i, actions in enumerate(
                [["create"], ["update"], ["delete", "create"], ["create", "delete"], ["delete"], ["forget"]]
            )
        ],
    }
    assert [c.kind for c in changes(plan, "p")] == [
        "add", "change", "replace", "replace", "destroy", "forget"
    ]  # fmt: skip


def test_destroys_and_replacements_at_risk_come_first_and_others_do_not():
    text = summary(
        [
            Change("aws_iam_role.r", "aws_iam_role", "destroy"),
            Change("aws_cognito_user_group.group_a", "aws_cognito_user_group", "add"),
            Change("aws_cognito_user_group.group_b", "aws_cognito_user_group", "replace"),
        ],
        "prod",
    )
    caution = [line for line in text.splitlines() if line.startswith("> - ")]
    assert caution == [
        "> - **replace** `aws_cognito_user_group.group_b`: deleting a group (renaming one replaces it) "
        "deletes every membership: its members lose the group's role and folders until they are added "
        "to the new group"
    ]
    assert "**2 to add, 0 to change, 2 to destroy (1 replaced: one add and one destroy each)**" in text


def test_counts_are_terraforms_a_replacement_one_add_and_one_destroy():
    kinds = ["add", "change", "replace", "destroy"]
    plan = [Change(f"aws_iam_role.r{i}", "aws_iam_role", kind) for i, kind in enumerate(kinds)]
    assert totals(plan) == "2 to add, 1 to change, 2 to destroy (1 replaced: one add and one destroy each)"
    assert totals(plan[:2]) == "1 to add, 1 to change, 0 to destroy"
    forget = Change("aws_iam_role.f", "aws_iam_role", "forget")
    assert totals([forget]) == "0 to add, 0 to change, 0 to destroy, 1 to forget"


def roles(count: int, kind: str = "add") -> list[Change]:
    return [Change(f"aws_iam_role.group_{i:05d}_role", "aws_iam_role", kind) for i in range(count)]


def test_a_short_table_stands_open_and_a_long_one_is_folded():
    assert "<details>" not in summary(roles(FOLD_AFTER), "dev")
    text = summary(roles(FOLD_AFTER + 1), "dev")
    assert f"<details><summary>{FOLD_AFTER + 1} resource changes</summary>\n\n| action | resource |\n" in text
    assert text.endswith("| add | `aws_iam_role.group_00020_role` |\n\n</details>\n")


def test_a_huge_plan_stays_under_the_limit_and_says_what_it_leaves_out():
    text = summary(roles(3000, "replace"), "prod")
    assert len(text) <= SUMMARY_LIMIT
    assert (
        "**3000 to add, 0 to change, 3000 to destroy (3000 replaced: one add and one destroy each)**" in text
    )
    shown = text.count("| replace | `aws_iam_role.group_")
    assert 100 < shown < 3000
    assert f"| … | {3000 - shown} more (`terraform show PLAN` lists every one) |\n" in text


def test_summary_reads_the_file_title_by_default(capsys):
    assert main(["plan-summary", str(FIXTURES / "first_apply.json")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "#### Terraform plan: `first_apply`"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "truncated.json",
            "not JSON (Expecting property name enclosed in double quotes: line 1 column 46 (char 45))",
        ),
        ("state_not_plan.json", "not a Terraform plan (expected the output of `terraform show -json PLAN`)"),
        ("unknown_actions.json", "resource_changes[0] (aws_s3_bucket.files): unknown actions ['explode']"),
        ("missing.json", "cannot read: No such file or directory"),
        (
            "actions_nested.json",
            "resource_changes[0] (aws_s3_bucket.files): change.actions must be a list of action names, "
            "not [['delete']]",
        ),
        ("address_not_a_string.json", "resource_changes[0]: address and type must be strings"),
        ("nested_too_deep.json", "not JSON (nested 1001 levels deep; the limit is 256)"),
        (
            "number_too_long.json",
            "not JSON (Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; "
            "use sys.set_int_max_str_digits() to increase the limit)",
        ),
    ],
)
def test_a_file_that_is_not_a_plan_is_one_line_and_exit_2(name: str, message: str):
    result = subprocess.run(
        [sys.executable, "main.py", "plan-summary", f"tests/plan_fixtures/{name}"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"error: tests/plan_fixtures/{name}: {message}\n",
    )


def test_unsupported_format_version_and_malformed_change_are_refused():
    with pytest.raises(
        PlanError, match=r"^p: unsupported plan format_version '2.0' \(supported: 0.x, 1.x\)$"
    ):
        changes({"format_version": "2.0", "planned_values": {}}, "p")
    with pytest.raises(PlanError, match=r"^p: resource_changes\[0\] lacks address, type or change.actions$"):
        changes({"format_version": "1.2", "planned_values": {}, "resource_changes": [{"address": "a"}]}, "p")


def test_load_plan_returns_only_the_resource_changes():
    loaded = load_plan(FIXTURES / "first_apply.json")
    assert [c.address for c in loaded] == [
        "aws_cognito_user_pool.pool",
        "aws_cognito_user_group.group_analysts",
        "aws_s3_bucket.files",
    ]


def test_json_nested_100000_deep_is_refused_without_recursing(tmp_path: Path):
    """json.loads alone raises RecursionError here; the depth is measured first, in one pass."""
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    result = subprocess.run(
        [sys.executable, "main.py", "plan-summary", str(deep)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"error: {deep}: not JSON (nested 100000 levels deep; the limit is 256)\n",
    )


@pytest.mark.parametrize(("depth", "refused"), [(MAX_DEPTH, False), (MAX_DEPTH + 1, True)])
def test_the_nesting_limit_at_its_boundary(depth: int, refused: bool):
    text = "[" * depth + "]" * depth
    if refused:
        with pytest.raises(TooDeep, match=rf"^nested {depth} levels deep; the limit is {MAX_DEPTH}$"):
            bounded_json.loads(text)
    else:
        assert bounded_json.loads(text) is not None


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"a": ["[[[{{{" * 100, 'say \\"[[[\\"', {"b": "]]]"}]})
    assert bounded_json.depth(text) == 3
    assert bounded_json.loads(text)["a"][2] == {"b": "]]]"}


def test_an_address_with_a_line_break_is_shown_on_one_line_in_an_error():
    plan = {
        "format_version": "1.2",
        "planned_values": {},
        "resource_changes": [{"address": "a\nb", "type": "t", "change": {"actions": ["explode"]}}],
    }
    with pytest.raises(
        PlanError, match=r"^p: resource_changes\[0\] \('a\\nb'\): unknown actions \['explode'\]$"
    ):
        changes(plan, "p")
