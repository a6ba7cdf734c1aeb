"""Every example environment, applied on a local AWS emulator that enforces IAM: it re-plans
clean, its users reach exactly what the access model says on real S3 calls, and it destroys
to nothing. Gaps of the emulator are recorded as such, each with a test that notices when
the emulator closes it. Run by `make e2e` (not by `make test`)."""

from __future__ import annotations

import pytest

from modules import naming
from modules.access_model import PRIVATE_FOLDER
from tests.e2e.conftest import ENVIRONMENTS, WIDENED
from tests.e2e.emulator import HOST, listening_addresses
from tests.e2e.probes import (
    CAPABILITY_ACTIONS,
    DEPLOYER,
    NOT_DECIDABLE_GUARD,
    canary_write,
    client,
    jwks_verifies,
    memberships,
    token_claims,
)

TOKEN_MODE = ("dev", "prod", "staging")  # a role per group; union: tags mode
GUARDED = ("prod", "union")  # folder_guard: true
DECIDED = ("dev", "staging")  # token mode without a folder guard: all but the private folders decided


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_emulator_listens_on_loopback_only(deployments, env):
    """Every socket the emulator and its children (Lambda workers) listen on, after the probes."""
    running = deployments.get(env).emulator
    assert listening_addresses(running.process.pid) == {(HOST, running.port)}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_second_plan_shows_no_changes(deployments, env):
    deployed = deployments.get(env)
    print(f"{env}: {deployed.provider}; test copy: {'; '.join(deployed.deployment.rewrites)}")
    plan = deployed.replan
    assert plan.returncode == 0, plan.stdout[-4000:] + plan.stderr[-4000:]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_lock_file_records_the_provider_used(deployments, env):
    deployment = deployments.get(env).deployment
    lock = (deployment.directory / ".terraform.lock.hcl").read_text()
    assert f'version     = "{deployment.version}"' in lock


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_observed_access_equals_the_access_model(deployments, env):
    deployed = deployments.get(env)
    probe = deployed.probe
    assert [case.described() for case in probe.mismatches] == []
    assert len(probe.members) == len(memberships(deployed.access)) == 10  # 4 groups, 6 pairs
    decided = [case for case in probe.cases if case.not_decidable is None]
    if env in DECIDED:
        # Every folder but the private ones is decided, for every member, pairs included.
        folders = {case.folder for case in decided}
        assert PRIVATE_FOLDER not in folders
        assert len(decided) == len(probe.members) * len(folders) * len(CAPABILITY_ACTIONS)
        assert any(len(case.member) == 2 and case.observed for case in decided)
        assert {case.observed for case in decided} == {True, False}
    else:
        assert decided == []  # tags mode and the folder guard: not decidable here, never passed
    print(
        f"{env}: {len(decided)} cases decided and equal to the model, {len(probe.not_decidable)} not decidable here"
    )


@pytest.mark.parametrize("env", ["union"])
def test_the_deployed_lambda_issues_the_model_claims(deployments, env):
    members = deployments.get(env).probe.members
    for member in members:
        assert member.lambda_claims == member.expected_claims, member.groups
    assert any(len(m.groups) == 2 and len(m.lambda_claims or {}) > 2 for m in members)


# --- the emulator's gaps: each test fails when the emulator starts deciding the case, so
# that the probe can move it from "not decidable here" to the compared matrix.


@pytest.mark.parametrize("env", TOKEN_MODE)
def test_gap_private_folder_policy_variable_is_not_substituted(deployments, env):
    """On AWS ${cognito-identity.amazonaws.com:sub} opens the member's own private folder."""
    cases = [c for c in deployments.get(env).probe.cases if c.folder == PRIVATE_FOLDER and c.expected]
    assert cases
    assert not any(case.observed for case in cases), "the emulator now substitutes the identity id"


@pytest.mark.parametrize("env", GUARDED)
def test_gap_folder_guard_denies_its_exempt_principal(deployments, env):
    """On AWS aws:PrincipalArn of a role session is the role's ARN, which the guard exempts; the
    emulator gives the session's ARN, so the guard denies every role, the exempt deployer too."""
    deployed = deployments.get(env)
    folders = {
        g.prefix for role in deployed.access.roles for g in role.grants if not g.prefix.startswith("private")
    }
    assert {key.removesuffix("seed.txt") for key in deployed.probe.unseeded} >= folders, (
        "the emulator now exempts the deployer: decide the folder guard's cases"
    )
    if deployed.access.role_mapping != "tags":  # tags mode is not decidable here anyway
        assert {case.not_decidable for case in deployed.probe.cases} == {NOT_DECIDABLE_GUARD}


@pytest.mark.parametrize("env", ["union"])
def test_gap_tags_mode_grants_nothing_without_tag_substitution(deployments, env):
    """On AWS the folders role reaches the folders in the session's principal tags."""
    cases = [c for c in deployments.get(env).probe.cases if c.expected]
    assert cases
    assert not any(case.observed for case in cases), "the emulator now decides tags mode"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_gap_id_token_has_groups_but_no_roles(deployments, env):
    """On AWS a member's ID token also carries cognito:roles and cognito:preferred_role."""
    for member in deployments.get(env).probe.members:
        claims = token_claims(member.id_token)
        assert sorted(claims["cognito:groups"]) == sorted(member.groups)
        assert "cognito:roles" not in claims, "the emulator now issues cognito:roles"
        assert "cognito:preferred_role" not in claims, "the emulator now issues cognito:preferred_role"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_gap_identity_pool_vends_the_default_role(deployments, env):
    """On AWS GetCredentialsForIdentity resolves the Token mapping to the member's group role."""
    deployed = deployments.get(env)
    default = naming.default_role_name(deployed.environment)  # the pool's authenticated role
    for member in deployed.probe.members:
        assert member.vended_role == default, (member.groups, member.vended_role)


@pytest.mark.parametrize("env", ["union"])
def test_gap_pre_token_claims_do_not_reach_the_token(deployments, env):
    """On AWS the V1_0 trigger's claims are in the ID token the member signs in with."""
    for member in deployments.get(env).probe.members:
        assert member.lambda_claims
        assert not set(member.lambda_claims) & set(token_claims(member.id_token))


@pytest.mark.parametrize("env", ["dev"])
def test_gap_published_keys_do_not_verify_the_token(deployments, env):
    """On AWS the pool's JWKS verifies its tokens (pycognito checks them after sign-in)."""
    deployed = deployments.get(env)
    assert not jwks_verifies(deployed.emulator.endpoint, deployed.outputs, deployed.probe.members[0])


@pytest.mark.parametrize("env", ["dev"])
def test_gap_sse_kms_writes_do_not_ask_kms(deployments, env):
    """On AWS a write to an SSE-KMS bucket needs kms:GenerateDataKey on the bucket's key from the
    caller: the roles' KMS statements are not exercised here."""
    deployed = deployments.get(env)
    assert deployed.environment.bucket.encrypted_with_kms
    bucket = deployed.access.bucket
    put = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    written = canary_write(deployed.emulator.endpoint, bucket, "analysts/no-kms.txt", [put])
    assert written, "the emulator now checks KMS permissions: the probes decide the KMS grants"


@pytest.mark.parametrize("env", ["dev"])
def test_gap_principal_tag_variable_is_not_substituted(deployments, env):
    """On AWS ${aws:PrincipalTag/folder} in a resource is the session's tag: tags mode's grants."""
    deployed = deployments.get(env)
    bucket = deployed.access.bucket
    statements = [
        {
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/${{aws:PrincipalTag/folder}}*",
        },
        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*"},
    ]
    key = "analysts/tagged.txt"
    written = canary_write(deployed.emulator.endpoint, bucket, key, statements, {"folder": "analysts/"})
    assert not written, "the emulator now substitutes principal tags: decide tags mode"


# --- the negative control: a deliberately wider stack must fail the comparison


def test_a_widened_stack_fails_the_comparison(deployments):
    probe = deployments.get(WIDENED).probe
    extra = {(case.member, case.folder, case.capability) for case in probe.mismatches}
    assert (("analysts",), "analysts/", "write") in extra, "the widened read level went unnoticed"
    assert (("analysts",), "reports/", "write") in extra
    assert all(
        not case.expected and case.observed and case.capability == "write" for case in probe.mismatches
    )


# --- last: destroy


@pytest.mark.parametrize("env", [*ENVIRONMENTS, WIDENED])
def test_destroy_leaves_nothing(destroyed, env):
    deployed = destroyed.get(env)
    assert deployed.deployment.terraform("state", "list").stdout == ""
    endpoint = deployed.emulator.endpoint
    assert client("s3", endpoint).list_buckets()["Buckets"] == []
    assert client("cognito-identity", endpoint).list_identity_pools(MaxResults=60)["IdentityPools"] == []
    pools = client("cognito-idp", endpoint).list_user_pools(MaxResults=60)["UserPools"]
    assert [p["Name"] for p in pools] == ([f"existing-{env}"] if env == "prod" else [])  # not ours to delete
    assert [r["RoleName"] for r in client("iam", endpoint).list_roles()["Roles"]] == [DEPLOYER]
    assert client("lambda", endpoint).list_functions()["Functions"] == []
    assert client("logs", endpoint).describe_log_groups()["logGroups"] == []
    kms = client("kms", endpoint)
    states = {kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] for k in kms.list_keys()["Keys"]}
    assert states <= {"PendingDeletion"}
    print(f"{env}: " + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in deployed.timings.items()))
