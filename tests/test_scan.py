"""Layer 5: checkov over every synthesized stack; accepted findings live in two files, with reasons:
groupfolders' own (security/default_acceptances.yaml) and the repository's additions."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from pathlib import Path

import jsonschema
import pytest
import yaml

from modules.cli import main
from modules.config.acceptances import (
    ACCEPTED,
    BY_GROUPFOLDERS,
    Acceptance,
    AcceptedFindings,
    default_acceptances,
    load_acceptances,
)
from modules.scan import ScanError, ScanResult, check_sarif, judge, table
from modules.validation import load_checked_environments
from tests import scan_trees
from tests.conftest import EXAMPLES, PROJECT, CheckovRun, load_stack

CHECKED = load_checked_environments(EXAMPLES)
ENVIRONMENTS = [environment.name for environment, _ in CHECKED]
SARIF_SCHEMA = PROJECT / "tests" / "sarif-schema-2.1.0.json"


ACCEPTANCES = load_acceptances(ACCEPTED)


def verdict(
    run: CheckovRun,
    tree: str,
    environments: Sequence[str],
    acceptances: Sequence[Acceptance] = ACCEPTANCES,
    *,
    every_environment: bool = True,
) -> ScanResult:
    """The gate's verdict on `environments` of one output tree (tests/scan_trees.py), from the
    session's one checkov run over all of them."""
    checked = [(environment, source) for environment, source in CHECKED if environment.name in environments]
    report = run.report_on(tree)
    accepted = AcceptedFindings(default_acceptances(), tuple(acceptances), "accepted.yaml")
    return judge(report, run.root / tree, checked, accepted, every_environment=every_environment)


@pytest.fixture(scope="module")
def example_scan(checkov_run: CheckovRun) -> ScanResult:
    return verdict(checkov_run, scan_trees.EXAMPLES, ENVIRONMENTS)


def test_examples_have_zero_unaccepted_findings(example_scan):
    assert example_scan.failed == ()
    assert example_scan.unused == ()
    assert example_scan.passed > 400


def test_every_accepted_finding_is_used_and_justified(example_scan):
    """The examples reach every default (a tags-mode environment among them): none is dead."""
    assert all(len(a.reason) > 40 for a in (*default_acceptances(), *ACCEPTANCES))
    accepted = {(f.check_id, f.address) for f in example_scan.findings}
    assert accepted == {(a.check_id, a.address) for a in (*default_acceptances(), *ACCEPTANCES)}


def test_groupfolders_accepts_the_findings_on_its_own_defaults_and_says_so(example_scan):
    by = {(f.check_id, f.address, f.accepted_by) for f in example_scan.findings}
    assert ("CKV_AWS_144", "aws_s3_bucket.files", BY_GROUPFOLDERS) in by
    assert ("CKV_GF_3", "aws_cognito_identity_pool_roles_attachment.identities_roles", "accepted.yaml") in by
    assert {f.accepted_by for f in example_scan.findings} == {BY_GROUPFOLDERS, "accepted.yaml"}
    own_checks = {a.check_id for a in default_acceptances()}
    assert "CKV_GF_3" not in own_checks, "an environment's choice is the repository's to accept"
    lines = table(example_scan).splitlines()
    assert next(line.split()[3:] for line in lines if "aws_s3_bucket.files " in line) == [
        "accepted",
        "by",
        "groupfolders",
    ]
    assert [line.split()[3:] for line in lines if " CKV_GF_3 " in line] == [["accepted"]]
    assert re.fullmatch(
        r"checkov [\d.]+: \d+ passed, 0 failed, \d+ accepted by groupfolders' defaults, 1 by accepted.yaml",
        lines[-2],
    )
    suppressions = [r["suppressions"][0] for r in check_sarif(example_scan)["runs"][0]["results"]]
    assert {s["properties"]["acceptedBy"] for s in suppressions} == {BY_GROUPFOLDERS, "accepted.yaml"}


def test_the_defaults_are_never_stale(checkov_run: CheckovRun):
    """prod has no sign-in Lambda: its defaults match nothing there, and that is no one's to fix."""
    result = verdict(checkov_run, scan_trees.EXAMPLES, ["prod"], (), every_environment=True)
    assert result.unused == ()
    assert result.failed == ()


def test_own_rules_run_in_the_gate(example_scan):
    """CKV_GF_3 fires on dev (private_only needs AuthenticatedRole) and is accepted there only."""
    own = [f for f in example_scan.findings if f.check_id.startswith("CKV_GF_")]
    assert [(f.environment, f.check_id, f.address) for f in own] == [
        ("dev", "CKV_GF_3", "aws_cognito_identity_pool_roles_attachment.identities_roles")
    ]


def test_a_finding_without_acceptance_fails_the_gate(checkov_run: CheckovRun, tmp_path: Path):
    entries = yaml.safe_load(ACCEPTED.read_text())
    kept = [e for e in entries if e["check"] != "CKV_GF_3"]
    (tmp_path / "accepted.yaml").write_text(yaml.safe_dump(kept))
    result = verdict(
        checkov_run, scan_trees.EXAMPLES, ENVIRONMENTS, load_acceptances(tmp_path / "accepted.yaml")
    )
    assert [(f.environment, f.check_id) for f in result.failed] == [("dev", "CKV_GF_3")]


def test_an_acceptance_for_dev_does_not_cover_the_same_finding_in_prod(checkov_run: CheckovRun):
    """CKV_GF_3 is accepted for dev only: the same finding in prod fails the gate."""
    result = verdict(checkov_run, scan_trees.PROD_AUTHENTICATED_ROLE, ENVIRONMENTS)
    judged = [
        (f.environment, f.check_id, f.accepted is not None)
        for f in result.findings
        if f.check_id == "CKV_GF_3"
    ]
    assert judged == [("dev", "CKV_GF_3", True), ("prod", "CKV_GF_3", False)]
    assert [(f.environment, f.check_id) for f in result.failed] == [("prod", "CKV_GF_3")]


def test_an_identity_pool_allowing_guests_fails_the_gate(checkov_run: CheckovRun):
    """checkov's built-in CKV_AWS_366 guards this (our CKV_GF_4 duplicated it; see checks/README.md)."""
    result = verdict(checkov_run, scan_trees.PROD_ALLOWS_GUESTS, ["prod"])
    assert [(f.check_id, f.address) for f in result.failed] == [
        ("CKV_AWS_366", "aws_cognito_identity_pool.identities")
    ]


def test_an_acceptance_that_matches_nothing_is_reported(checkov_run: CheckovRun, tmp_path: Path):
    entries = [
        *yaml.safe_load(ACCEPTED.read_text()),
        {"check": "CKV_AWS_1", "resource": "x.y", "reason": "r" * 50},
    ]
    (tmp_path / "accepted.yaml").write_text(yaml.safe_dump(entries))
    result = verdict(
        checkov_run, scan_trees.EXAMPLES, ENVIRONMENTS, load_acceptances(tmp_path / "accepted.yaml")
    )
    assert [(a.check_id, a.address) for a in result.unused] == [("CKV_AWS_1", "x.y")]


def test_check_of_one_environment_judges_staleness_only_by_what_it_scanned(checkov_run: CheckovRun, tmp_path):
    """`check --env prod`: an acceptance for every environment matches nothing in prod, yet it
    is not stale (it may match elsewhere); an acceptance for prod alone that matches nothing is."""
    entries = [
        *yaml.safe_load(ACCEPTED.read_text()),
        {"check": "CKV_AWS_3", "resource": "x.w", "reason": "r" * 50},
        {"check": "CKV_AWS_1", "resource": "x.y", "environments": ["prod"], "reason": "r" * 50},
        {"check": "CKV_AWS_2", "resource": "x.z", "environments": ["prod", "dev"], "reason": "r" * 50},
    ]
    (tmp_path / "accepted.yaml").write_text(yaml.safe_dump(entries))
    acceptances = load_acceptances(tmp_path / "accepted.yaml")
    one = verdict(checkov_run, scan_trees.EXAMPLES, ["prod"], acceptances, every_environment=False)
    assert [(a.check_id, a.address) for a in one.unused] == [("CKV_AWS_1", "x.y")]
    whole = verdict(checkov_run, scan_trees.EXAMPLES, ENVIRONMENTS, acceptances)
    assert [(a.check_id, a.address) for a in whole.unused] == [
        ("CKV_AWS_3", "x.w"),
        ("CKV_AWS_1", "x.y"),
        ("CKV_AWS_2", "x.z"),
    ]
    every = verdict(checkov_run, scan_trees.EXAMPLES, ["prod"], acceptances, every_environment=True)
    assert ("CKV_AWS_3", "x.w") in {(a.check_id, a.address) for a in every.unused}


DOCUMENT_REFERENCE = re.compile(r"\$\{data\.aws_iam_policy_document\.[a-z0-9_]+\.json\}")


def failed_on(result, address: str) -> set[str]:
    return {f.check_id for f in result.failed if f.address == address}


def test_a_broad_policy_document_fails_the_scan(checkov_run: CheckovRun):
    result = verdict(checkov_run, scan_trees.BROAD_DOCUMENT, ["dev"])
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


def test_check_without_checkov_exits_2_before_synthesizing(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("GROUPFOLDERS_CHECKOV", str(tmp_path / "missing"))
    code = main(
        ["check", "--environments", str(EXAMPLES), "--outdir", str(tmp_path / "out"), "--env", "prod"]
    )
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: GROUPFOLDERS_CHECKOV={tmp_path / 'missing'}: no such file (name the checkov program)\n"
    )
    assert not (tmp_path / "out").exists(), "refused before synthesizing"


def test_scan_skips_nothing_it_was_asked_for(checkov_run: CheckovRun):
    """checkov read every example stack; the verdict on prod holds prod's findings only."""
    result = verdict(checkov_run, scan_trees.EXAMPLES, ["prod"])
    assert {f.environment for f in result.findings} == {"prod"}


def test_a_stack_checkov_cannot_parse_fails_the_scan(checkov_run: CheckovRun):
    with pytest.raises(ScanError, match=r"^checkov could not parse: .*dev/cdk\.tf\.json"):
        verdict(checkov_run, scan_trees.UNPARSABLE, ["dev"])


def test_checkov_cannot_parse_import_blocks_in_the_stack_json(checkov_run: CheckovRun):
    """checkov 3.3.30 fails on the whole file ("this method receives only dicts"): import blocks
    live in imports.tf (modules/adoption.py). When this test fails, checkov reads them: they
    could move into cdk.tf.json."""
    with pytest.raises(ScanError, match=r"^checkov could not parse: .*prod/cdk\.tf\.json"):
        verdict(checkov_run, scan_trees.PROD_IMPORT_IN_JSON, ["prod"])


def line_of(path: Path, text: str) -> int:
    """The 1-based line of `path` that starts with `text`."""
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(text))


def test_findings_point_at_the_setting_that_produced_them(example_scan):
    """Not the generated stack: the bucket block, the identity_pool block of the file that last
    wrote it (dev.yaml over _groups.yaml), in the environment file a reviewer edits."""
    placed = {
        (f.environment, f.check_id, f.address): (f.setting, f.file, f.line) for f in example_scan.findings
    }
    dev, prod = EXAMPLES / "dev.yaml", EXAMPLES / "prod.yaml"
    assert placed[("dev", "CKV_GF_3", "aws_cognito_identity_pool_roles_attachment.identities_roles")] == (
        "identity_pool",
        "environments/dev.yaml",
        line_of(dev, "identity_pool:"),
    )
    assert placed[("prod", "CKV_AWS_144", "aws_s3_bucket.files")] == (
        "bucket",
        "environments/prod.yaml",
        line_of(prod, "bucket:"),
    )
    assert all(f.file.startswith("environments/") and f.file.endswith(".yaml") for f in example_scan.findings)


def test_a_group_finding_points_at_the_group_entry_in_the_base_that_defines_it(checkov_run: CheckovRun):
    result = verdict(checkov_run, scan_trees.BROAD_DOCUMENT, ["dev"])
    (finding, *_) = [f for f in result.failed if f.address.endswith("group_analysts_permissions")]
    assert (finding.setting, finding.file, finding.line, finding.column) == (
        "groups[0]",
        "environments/_groups.yaml",
        line_of(EXAMPLES / "_groups.yaml", "  - name: analysts"),
        5,
    )


def test_check_sarif_is_valid_sarif_2_1_0(example_scan):
    """Against the OASIS schema (tests/sarif-schema-2.1.0.json; where it comes from: README, Tests)."""
    schema = json.loads(SARIF_SCHEMA.read_text())
    sarif = check_sarif(example_scan)
    jsonschema.Draft4Validator(schema).validate(sarif)
    broken = copy.deepcopy(sarif)
    del broken["runs"][0]["results"][0]["message"]
    assert not jsonschema.Draft4Validator(schema).is_valid(broken)


def test_sarif_results_keep_the_address_and_link_our_rules_to_their_guide(example_scan):
    run = check_sarif(example_scan)["runs"][0]
    (own,) = [r for r in run["results"] if r["ruleId"] == "CKV_GF_3"]
    assert own["message"]["text"] == (
        "Cognito identity pool role mappings must set ambiguous_role_resolution = Deny "
        "(dev: aws_cognito_identity_pool_roles_attachment.identities_roles, from identity_pool)"
    )
    location = own["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "environments/dev.yaml"
    assert location["region"] == {
        "startLine": line_of(EXAMPLES / "dev.yaml", "identity_pool:"),
        "startColumn": 1,
    }
    assert own["suppressions"][0]["justification"].startswith("dev")
    help_uris = {rule["id"]: rule.get("helpUri") for rule in run["tool"]["driver"]["rules"]}
    assert help_uris["CKV_GF_3"] == "checks/README.md#ckv_gf_3"
    assert all("cdktf.out" not in json.dumps(result) for result in run["results"])
