"""`verify`: the decision logic alone, then the whole flow against moto (which enforces no
IAM: every too-wide observation is a mismatch) and against a fake S3 that decides with the
synthesized policies through an IAM evaluator we did not write."""

from __future__ import annotations

import json
import sys

import pytest

from modules import naming
from modules.access_model import environment_access
from modules.cli import main
from modules.validation import load_valid_environments
from modules.verify.command import verify
from modules.verify.matrix import (
    ANOTHER_FOLDER,
    Observed,
    compare,
    expected,
    locations,
    member_sets,
)
from tests.aws_fakes import RecordingSession, deploy_to_moto, moto_session
from tests.conftest import EXAMPLES, load_stack
from tests.evaluated_aws import EvaluatedSession

READER_PASSWORD = "Rd-1!aaaaAAAA"  # noqa: S105 - a test user's, in moto


@pytest.fixture(scope="module")
def environments():
    return {env.name: env for env in load_valid_environments(EXAMPLES)}


# --- the decision logic, no AWS


def test_member_sets_are_each_group_no_group_and_those_the_report_singles_out(environments):
    staging = environment_access(environments["staging"])
    assert member_sets(staging) == (
        (),
        ("analysts",),
        ("editors",),
        ("finance",),
        ("uploads",),
        ("finance", "editors"),  # the first two of the precedence order
    )
    union = environment_access(environments["union"])
    assert member_sets(union)[-1] == ("analysts", "editors", "finance", "uploads")


def test_expected_is_the_access_model_per_folder(environments):
    access = environment_access(environments["dev"])
    finance = expected(access, ("finance",))
    allowed = {cell for cell in finance.allowed if cell[0] != "private/<identity id>/"}
    assert allowed == {
        (folder, capability)
        for folder in ("finance/invoices/", "finance/reports/", "reports/")
        for capability in ("list", "read", "write")
    }
    assert not any(folder == ANOTHER_FOLDER for folder, _ in finance.allowed)
    kinds = {location.folder: location.kind for location in locations(access, ("finance",))}
    assert (kinds["finance/reports/"], kinds["content/"], kinds["reports/"]) == (
        "own",
        "other group's",
        "shared",
    )
    assert kinds[ANOTHER_FOLDER] == "another identity's private"


def test_observed_as_expected_has_no_mismatch_and_one_flipped_cell_is_one(environments):
    access = environment_access(environments["dev"])
    wanted = expected(access, ("analysts",))
    cells = {
        (loc.folder, c): (loc.folder, c) in wanted.allowed
        for loc in locations(access, ("analysts",))
        for c in ("list", "read", "write", "delete")
    }
    assert compare(access, wanted, Observed(("analysts",), True, cells)).mismatches == ()
    flipped = {**cells, ("content/", "write"): True}
    assert compare(access, wanted, Observed(("analysts",), True, flipped)).mismatches == (
        "member of analysts: write on content/ (other group's): expected denied, observed allowed",
    )
    refused = compare(access, wanted, Observed(("analysts",), False, {}, "NotAuthorizedException"))
    assert refused.mismatches == (
        "member of analysts: credentials expected issued, observed refused (NotAuthorizedException)",
    )


def test_cells_not_probed_are_not_compared(environments):
    access = environment_access(environments["dev"])
    wanted = expected(access, ("analysts",))
    assert compare(access, wanted, Observed(("analysts",), True, {})).mismatches == ()


# --- the whole flow against moto


@pytest.fixture
def moto_staging(environments):
    with moto_session() as session:
        yield session, deploy_to_moto(session, environments["staging"])


def test_against_moto_every_too_wide_access_is_a_mismatch(environments, moto_staging, capsys):
    session, deployed = moto_staging
    staging = environments["staging"]
    recording = RecordingSession(session)
    code = verify(
        staging, environment_access(staging), users=None, read_only=False, output="md", session=recording
    )
    out, err = capsys.readouterr()
    assert code == 1
    mismatches = [line.removeprefix("mismatch: ") for line in err.splitlines()]
    assert "user in no group: credentials expected refused, observed issued" in mismatches
    assert (
        "member of analysts: write on content/ (other group's): expected denied, observed allowed"
        in mismatches
    )
    assert (
        "member of finance: delete on finance/reports/ (own): expected denied, observed allowed" in mismatches
    )
    # what the model allows, moto allows too: never a mismatch
    assert not any("expected allowed" in m for m in mismatches)
    assert f"## {len(mismatches)} mismatch(es)" in out
    assert (
        "| `analysts/` | own | ✓ | ✓ | **✗ allowed, expected denied** | **✗ allowed, expected denied** |"
        in out
    )
    # the test users are gone, and so is every object the run wrote
    idp, s3 = session.client("cognito-idp"), session.client("s3")
    assert idp.list_users(UserPoolId=deployed.pool_id)["Users"] == []
    versions = s3.list_object_versions(Bucket=staging.bucket.bucket_name)
    assert versions.get("Versions", []) == [] and versions.get("DeleteMarkers", []) == []
    assert {"AdminCreateUser", "AdminDeleteUser", "GetId", "GetCredentialsForIdentity"} <= set(
        recording.calls
    )


def test_against_moto_tags_mode_verifies_the_union(environments, capsys):
    union = environments["union"]
    with moto_session() as session:
        deploy_to_moto(session, union)
        code = verify(
            union, environment_access(union), users=None, read_only=False, output="md", session=session
        )
    out, err = capsys.readouterr()
    assert code == 1
    assert "## member of `analysts` + `editors` + `finance` + `uploads`" in out
    mismatches = [line.removeprefix("mismatch: ") for line in err.splitlines()]
    assert (
        "member of analysts + editors + finance + uploads: delete on finance/reports/ (own): "
        "expected denied, observed allowed"
    ) in mismatches


def test_read_only_writes_nothing(environments, moto_staging, capsys, tmp_path, monkeypatch):
    session, deployed = moto_staging
    staging = environments["staging"]
    idp = session.client("cognito-idp")
    idp.admin_create_user(UserPoolId=deployed.pool_id, Username="reader", MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=deployed.pool_id, Username="reader", Password=READER_PASSWORD, Permanent=True
    )
    idp.admin_add_user_to_group(UserPoolId=deployed.pool_id, Username="reader", GroupName="analysts")
    monkeypatch.setenv("READER_PASSWORD", READER_PASSWORD)
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - {groups: [analysts], username: reader, password_env: READER_PASSWORD}\n")
    recording = RecordingSession(session)
    code = verify(
        staging, environment_access(staging), users=users, read_only=True, output="json", session=recording
    )
    out, err = capsys.readouterr()
    assert code == 1
    assert "member of analysts: list on content/ (other group's): expected denied, observed allowed" in err
    assert not {"PutObject", "DeleteObject", "AdminCreateUser", "AdminDeleteUser"} & set(recording.calls)
    assert '"read_only": true' in out
    assert '"observed": null' in out  # write and delete were not probed


def test_the_cli_verifies_with_the_callers_credentials(moto_staging, capsys):
    assert main(["verify", "--env", "staging", "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["mismatches"] == [line.removeprefix("mismatch: ") for line in err.splitlines()]
    assert "## member of `finance` + `editors`" not in out  # JSON, not Markdown


def test_without_pycognito_verify_says_how_to_get_it_and_deletes_its_users(
    environments, moto_staging, capsys, monkeypatch
):
    session, deployed = moto_staging
    monkeypatch.setitem(sys.modules, "pycognito.aws_srp", None)
    staging = environments["staging"]
    code = verify(
        staging, environment_access(staging), users=None, read_only=False, output="md", session=session
    )
    assert (code, capsys.readouterr().err) == (
        2,
        "error: verify signs in with pycognito (SRP), which is not installed: pip install 'groupfolders[aws]'\n",
    )
    assert session.client("cognito-idp").list_users(UserPoolId=deployed.pool_id)["Users"] == []


def test_read_only_needs_a_users_file(environments, capsys):
    staging = environments["staging"]
    code = verify(
        staging, environment_access(staging), users=None, read_only=True, output="md", session=object()
    )
    assert (code, capsys.readouterr().err) == (
        2,
        "error: --read-only writes nothing, test users included: give --users FILE\n",
    )


def test_a_users_file_naming_an_unknown_group_is_refused(environments, capsys, tmp_path, monkeypatch):
    staging = environments["staging"]
    monkeypatch.setenv("P", "x")
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - {groups: [finanse], username: u, password_env: P}\n")
    code = verify(
        staging, environment_access(staging), users=users, read_only=True, output="md", session=object()
    )
    assert code == 2
    assert capsys.readouterr().err == (
        f"error: {users}: users[0]: finanse is not a group of the environment "
        "(its groups: analysts, editors, finance, uploads)\n"
    )


def test_nothing_deployed_is_one_line(environments, capsys):
    staging = environments["staging"]
    with moto_session() as session:
        code = verify(
            staging, environment_access(staging), users=None, read_only=False, output="md", session=session
        )
    assert (code, capsys.readouterr().err) == (
        2,
        "error: no user pool(s) named 'groupfolders-staging': deploy first\n",
    )


def test_without_boto3_verify_says_how_to_get_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "boto3", None)
    assert main(["verify", "--env", "staging"]) == 2
    assert capsys.readouterr().err == (
        "error: this command calls AWS through boto3, which is not installed: pip install 'groupfolders[aws]'\n"
    )


# --- the whole flow against S3 decided by the synthesized policies


@pytest.fixture
def evaluated_dev(environments, example_out):
    dev = environments["dev"]
    with moto_session() as session:
        deploy_to_moto(session, dev)
        yield EvaluatedSession(session, load_stack(example_out, "dev"), dev), dev


def test_against_the_synthesized_policies_verify_agrees(evaluated_dev, capsys):
    session, dev = evaluated_dev
    code = verify(dev, environment_access(dev), users=None, read_only=False, output="json", session=session)
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["mismatches"] == []
    observed = {
        (tuple(s["members"]), p["folder"], p["capability"]): p["observed"]
        for s in report["member_sets"]
        for p in s["probes"]
    }
    # it did probe: each side of the matrix is there
    assert observed[(("finance",), "finance/reports/", "write")] is True
    assert observed[(("finance",), "content/", "write")] is False
    assert observed[((), "private/<identity id>/", "delete")] is True  # private_only


def test_one_widened_statement_is_found(evaluated_dev, capsys):
    session, dev = evaluated_dev
    role = naming.role_name(dev, next(g for g in dev.groups if g.name == "analysts"))
    (statement,) = [s for s in session.policies[role]["Statement"] if s["Sid"] == "GroupReadObjects"]
    statement["Resource"] = "arn:aws:s3:::acme-groupfolders-dev/*"  # analysts read every folder
    code = verify(dev, environment_access(dev), users=None, read_only=False, output="md", session=session)
    err = capsys.readouterr().err
    assert code == 1
    mismatches = [line.removeprefix("mismatch: ") for line in err.splitlines()]
    assert (
        "member of analysts: read on content/ (other group's): expected denied, observed allowed"
        in mismatches
    )
    assert (
        "member of analysts: read on private/<another identity>/ (another identity's private): expected denied, observed allowed"
        in mismatches
    )
    assert all(m.startswith("member of analysts: read on ") for m in mismatches)
