"""Every example environment, applied on a local AWS emulator that enforces IAM: it re-plans
clean, its users reach exactly what the access model says on real S3 calls, and it destroys
to nothing. Gaps of the emulator are recorded as such, each with a test that notices when
the emulator closes it. Run by `make e2e` (not by `make test`)."""

from __future__ import annotations

import pytest

from modules.access_model import PRIVATE_FOLDER
from tests.e2e.emulator import HOST, listening_addresses
from tests.e2e.probes import client, jwks_verifies, token_claims

ENVIRONMENTS = ("dev", "prod", "staging", "union")
TOKEN_MODE = ("dev", "prod", "staging")  # a role per group; union: tags mode


def each(names: tuple[str, ...]) -> list:
    """One xdist group per environment: its tests run in order on the worker holding its emulator."""
    return [pytest.param(name, marks=pytest.mark.xdist_group(name)) for name in names]


@pytest.mark.parametrize("env", each(ENVIRONMENTS))
def test_emulator_listens_on_loopback_only(deploy, env):
    port = deploy(env).emulator.port
    assert listening_addresses(port) == {HOST}


@pytest.mark.parametrize("env", each(ENVIRONMENTS))
def test_second_plan_shows_no_changes(deploy, env):
    deployed = deploy(env)
    plan = deployed.deployment.terraform("plan", "-detailed-exitcode")
    assert plan.returncode == 0, plan.stdout[-4000:] + plan.stderr[-4000:]


@pytest.mark.parametrize("env", each(ENVIRONMENTS))
def test_the_lock_file_records_the_provider_used(deploy, env):
    deployment = deploy(env).deployment
    lock = (deployment.directory / ".terraform.lock.hcl").read_text()
    assert f'version     = "{deployment.version}"' in lock


@pytest.mark.parametrize("env", each(ENVIRONMENTS))
def test_observed_access_equals_the_access_model(deploy, env):
    probe = deploy(env).probe()
    assert [case.described() for case in probe.mismatches] == []
    decided = [case for case in probe.cases if case.not_decidable is None]
    if env in TOKEN_MODE:
        # Everything but the private folders is decided, members of two groups included.
        assert len(decided) == len(probe.members) * 4 * (len(probe.cases) // len(probe.members) // 4 - 2)
        assert any(len(case.member) == 2 and case.observed for case in decided)
        assert any(case.observed for case in decided) and any(not case.observed for case in decided)
    else:
        assert decided == []  # tags mode: not decidable here, never passed


@pytest.mark.parametrize("env", each(("union",)))
def test_the_deployed_lambda_issues_the_model_claims(deploy, env):
    members = deploy(env).probe().members
    assert len(members) == 10
    for member in members:
        assert member.lambda_claims == member.expected_claims, member.groups
    assert any(len(m.groups) == 2 and len(m.lambda_claims or {}) > 2 for m in members)


# --- the emulator's gaps: each test fails when the emulator starts deciding the case, so
# that the probe can move it from "not decidable here" to the compared matrix.


@pytest.mark.parametrize("env", each(TOKEN_MODE))
def test_gap_private_folder_policy_variable_is_not_substituted(deploy, env):
    """On AWS ${cognito-identity.amazonaws.com:sub} opens the member's own private folder."""
    cases = [c for c in deploy(env).probe().cases if c.folder == PRIVATE_FOLDER and c.expected]
    assert cases
    assert not any(case.observed for case in cases), "the emulator now substitutes the identity id"


@pytest.mark.parametrize("env", each(("union",)))
def test_gap_tags_mode_grants_nothing_without_tag_substitution(deploy, env):
    """On AWS the folders role reaches the folders in the session's principal tags."""
    cases = [c for c in deploy(env).probe().cases if c.expected]
    assert cases
    assert not any(case.observed for case in cases), "the emulator now decides tags mode"


@pytest.mark.parametrize("env", each(ENVIRONMENTS))
def test_gap_id_token_has_groups_but_no_roles(deploy, env):
    """On AWS a member's ID token also carries cognito:roles and cognito:preferred_role."""
    for member in deploy(env).probe().members:
        claims = token_claims(member.id_token)
        assert claims["cognito:groups"] == sorted(member.groups) or set(claims["cognito:groups"]) == set(
            member.groups
        )
        assert "cognito:roles" not in claims and "cognito:preferred_role" not in claims


@pytest.mark.parametrize("env", each(ENVIRONMENTS))
def test_gap_identity_pool_vends_the_default_role(deploy, env):
    """On AWS GetCredentialsForIdentity resolves the Token mapping to the member's group role."""
    deployed = deploy(env)
    default = deployed.access.no_group.role_name if deployed.access.no_group else None
    for member in deployed.probe().members:
        assert member.vended_role == default, (member.groups, member.vended_role)


@pytest.mark.parametrize("env", each(("union",)))
def test_gap_pre_token_claims_do_not_reach_the_token(deploy, env):
    """On AWS the V1_0 trigger's claims are in the ID token the member signs in with."""
    for member in deploy(env).probe().members:
        claims = token_claims(member.id_token)
        assert not set(member.lambda_claims or {}) & set(claims)


@pytest.mark.parametrize("env", each(("dev",)))
def test_gap_published_keys_do_not_verify_the_token(deploy, env):
    """On AWS the pool's JWKS verifies its tokens (pycognito checks them after sign-in)."""
    deployed = deploy(env)
    assert not jwks_verifies(deployed.emulator.endpoint, deployed.outputs, deployed.probe().members[0])


# --- the negative control: a deliberately wider stack must fail the comparison


@pytest.mark.parametrize("env", each(("widened",)))
def test_a_widened_stack_fails_the_comparison(deploy, widened_templates, env):
    probe = deploy("dev", widened_templates, label=env).probe()
    extra = {(case.member, case.folder, case.capability) for case in probe.mismatches}
    assert extra, "the widened read level went unnoticed"
    assert (("analysts",), "analysts/", "write") in extra
    assert all(not case.expected and case.observed for case in probe.mismatches)


# --- last for each environment: destroy


@pytest.mark.parametrize("env", each((*ENVIRONMENTS, "widened")))
def test_destroy_leaves_nothing(deploy, widened_templates, env):
    deployed = deploy("dev", widened_templates, label=env) if env == "widened" else deploy(env)
    deployed.destroy()
    assert deployed.deployment.terraform("state", "list").stdout == ""
    endpoint = deployed.emulator.endpoint
    assert client("s3", endpoint).list_buckets()["Buckets"] == []
    assert client("cognito-identity", endpoint).list_identity_pools(MaxResults=60)["IdentityPools"] == []
    pools = client("cognito-idp", endpoint).list_user_pools(MaxResults=60)["UserPools"]
    assert [p["Name"] for p in pools] == ([f"existing-{env}"] if env == "prod" else [])
    roles = client("iam", endpoint).list_roles()["Roles"]
    assert [r["RoleName"] for r in roles] == ["groupfolders-deployer"]
    assert client("lambda", endpoint).list_functions()["Functions"] == []
    kms = client("kms", endpoint)
    states = [kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] for k in kms.list_keys()["Keys"]]
    assert set(states) <= {"PendingDeletion"}
    print(
        f"\n{deployed.name}: "
        + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in deployed.timings.items())
    )
