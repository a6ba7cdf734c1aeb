"""Layer 5: checkov over every synthesized stack; accepted findings live in one file, with reasons."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from modules.cli import main
from modules.config.acceptances import ACCEPTED, load_acceptances
from modules.scan import ScanError, scan
from tests.conftest import EXAMPLES, load_stack

ENVIRONMENTS = ["dev", "prod", "staging", "union"]


ACCEPTANCES = load_acceptances(ACCEPTED)


@pytest.fixture(scope="module")
def example_scan(example_out: Path):
    return scan(example_out, ENVIRONMENTS, ACCEPTANCES)


def test_examples_have_zero_unaccepted_findings(example_scan):
    assert example_scan.failed == ()
    assert example_scan.unused == ()
    assert example_scan.passed > 400


def test_every_accepted_finding_is_used_and_justified(example_scan):
    assert all(len(a.reason) > 40 for a in ACCEPTANCES)
    accepted = {(f.check_id, f.address) for f in example_scan.findings}
    assert accepted == {(a.check_id, a.address) for a in ACCEPTANCES}


def test_own_rules_run_in_the_gate(example_scan):
    """CKV_GF_3 fires on dev (private_only needs AuthenticatedRole) and is accepted there only."""
    own = [f for f in example_scan.findings if f.check_id.startswith("CKV_GF_")]
    assert [(f.environment, f.check_id, f.address) for f in own] == [
        ("dev", "CKV_GF_3", "aws_cognito_identity_pool_roles_attachment.identities_roles")
    ]


def test_a_finding_without_acceptance_fails_the_gate(example_out: Path, tmp_path: Path):
    entries = yaml.safe_load(ACCEPTED.read_text())
    kept = [e for e in entries if e["check"] != "CKV_GF_3"]
    (tmp_path / "accepted.yaml").write_text(yaml.safe_dump(kept))
    result = scan(example_out, ENVIRONMENTS, load_acceptances(tmp_path / "accepted.yaml"))
    assert [(f.environment, f.check_id) for f in result.failed] == [("dev", "CKV_GF_3")]


def prod_changed(example_out: Path, tmp_path: Path, change: Callable[[dict], None]) -> Path:
    """A copy of the examples' output whose prod stack `change` edited in place."""
    shutil.copytree(example_out, tmp_path / "out")
    stack = load_stack(example_out, "prod")
    change(stack)
    (tmp_path / "out" / "stacks" / "prod" / "cdk.tf.json").write_text(json.dumps(stack))
    return tmp_path / "out"


def test_an_acceptance_for_dev_does_not_cover_the_same_finding_in_prod(example_out: Path, tmp_path: Path):
    """CKV_GF_3 is accepted for dev only: the same finding in prod fails the gate."""

    def authenticated_role(stack: dict) -> None:
        attachment = stack["resource"]["aws_cognito_identity_pool_roles_attachment"]["identities_roles"]
        attachment["role_mapping"][0]["ambiguous_role_resolution"] = "AuthenticatedRole"

    result = scan(prod_changed(example_out, tmp_path, authenticated_role), ENVIRONMENTS, ACCEPTANCES)
    judged = [
        (f.environment, f.check_id, f.accepted is not None)
        for f in result.findings
        if f.check_id == "CKV_GF_3"
    ]
    assert judged == [("dev", "CKV_GF_3", True), ("prod", "CKV_GF_3", False)]
    assert [(f.environment, f.check_id) for f in result.failed] == [("prod", "CKV_GF_3")]


def test_an_identity_pool_allowing_guests_fails_the_gate(example_out: Path, tmp_path: Path):
    """checkov's built-in CKV_AWS_366 guards this (our CKV_GF_4 duplicated it; see checks/README.md)."""

    def allow_guests(stack: dict) -> None:
        stack["resource"]["aws_cognito_identity_pool"]["identities"]["allow_unauthenticated_identities"] = (
            True
        )

    result = scan(prod_changed(example_out, tmp_path, allow_guests), ["prod"], ACCEPTANCES)
    assert [(f.check_id, f.address) for f in result.failed] == [
        ("CKV_AWS_366", "aws_cognito_identity_pool.identities")
    ]


def test_an_acceptance_that_matches_nothing_is_reported(example_out: Path, tmp_path: Path):
    entries = [
        *yaml.safe_load(ACCEPTED.read_text()),
        {"check": "CKV_AWS_1", "resource": "x.y", "reason": "r" * 50},
    ]
    (tmp_path / "accepted.yaml").write_text(yaml.safe_dump(entries))
    result = scan(example_out, ENVIRONMENTS, load_acceptances(tmp_path / "accepted.yaml"))
    assert [(a.check_id, a.address) for a in result.unused] == [("CKV_AWS_1", "x.y")]


def broad_variant(example_out: Path, tmp_path: Path) -> Path:
    """The dev stack with the analysts' policy widened to s3:* on every resource."""
    stack = copy.deepcopy(load_stack(example_out, "dev"))
    broad = {"sid": "Broad", "effect": "Allow", "actions": ["s3:*", "iam:PassRole"], "resources": ["*"]}
    stack["data"]["aws_iam_policy_document"]["group_analysts_permissions"]["statement"] = [broad]
    directory = tmp_path / "document"
    (directory / "stacks" / "dev").mkdir(parents=True)
    (directory / "stacks" / "dev" / "cdk.tf.json").write_text(json.dumps(stack))
    return directory


DOCUMENT_REFERENCE = re.compile(r"\$\{data\.aws_iam_policy_document\.[a-z0-9_]+\.json\}")


def failed_on(result, address: str) -> set[str]:
    return {f.check_id for f in result.failed if f.address == address}


def test_a_broad_policy_document_fails_the_scan(example_out: Path, tmp_path: Path):
    result = scan(broad_variant(example_out, tmp_path), ["dev"], ACCEPTANCES)
    assert {"CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356"} <= failed_on(
        result, "data.aws_iam_policy_document.group_analysts_permissions"
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_policy_is_in_the_form_the_deep_iam_checks_read(example_out: Path, env: str):
    """checkov's CKV_AWS_286-290/355 skip policies given as JSON strings in .tf.json (DESIGN.md):
    every role, bucket and key policy we emit must be an aws_iam_policy_document reference."""
    stack = load_stack(example_out, env)
    policies = [
        (f"{kind}.{name}", block.get("policy", block.get("assume_role_policy")))
        for kind in ("aws_iam_role_policy", "aws_s3_bucket_policy", "aws_iam_role", "aws_kms_key")
        for name, block in stack["resource"].get(kind, {}).items()
    ]
    assert policies
    strings = [address for address, value in policies if not DOCUMENT_REFERENCE.fullmatch(str(value))]
    assert strings == []


def test_check_command_passes_on_the_examples_and_writes_reports(tmp_path: Path, capsys, example_out):
    reports = tmp_path / "reports"
    code = main(
        [
            "check",
            "--environments",
            str(EXAMPLES),
            "--outdir",
            str(tmp_path / "out"),
            "--report-dir",
            str(reports),
        ]
    )
    output = capsys.readouterr().out
    assert code == 0, output
    assert "verdict: PASS" in output
    assert json.loads((reports / "check.json").read_text())["verdict"] == "pass"
    sarif = json.loads((reports / "check.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert results and all(r["suppressions"][0]["justification"] for r in results)


def test_check_without_checkov_exits_1(tmp_path: Path, monkeypatch, capsys, example_out):
    monkeypatch.setenv("GROUPFOLDERS_CHECKOV", str(tmp_path / "missing"))
    code = main(
        ["check", "--environments", str(EXAMPLES), "--outdir", str(tmp_path / "out"), "--env", "prod"]
    )
    assert code == 1
    assert "checkov not found at" in capsys.readouterr().err


def test_scan_skips_nothing_it_was_asked_for(example_out: Path, tmp_path: Path):
    shutil.copytree(example_out, tmp_path / "out")
    result = scan(tmp_path / "out", ["prod"], ACCEPTANCES)
    assert {f.environment for f in result.findings} == {"prod"}


def test_a_stack_checkov_cannot_parse_fails_the_scan(tmp_path: Path):
    (tmp_path / "stacks" / "dev").mkdir(parents=True)
    (tmp_path / "stacks" / "dev" / "cdk.tf.json").write_text('{"resource": {"aws_s3_bucket": {"b": ')
    with pytest.raises(ScanError, match=r"^checkov could not parse: .*dev/cdk\.tf\.json"):
        scan(tmp_path, ["dev"], ACCEPTANCES)
