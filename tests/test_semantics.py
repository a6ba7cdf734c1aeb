"""Layer 4: IAM evaluators we did not write judge the synthesized policies against our access model.

For every example environment and every role in its stack, principalmapper and iam-simulate
(tests/two_evaluators.py: each verdict is both's, or a listed split) decide Allow or Deny
for a set of probes (keys inside and outside each group's folders, look-alike names, the
caller's own and another identity's private folder, listings with and without a prefix); each
verdict must equal `modules.access_model`. parliament lints every synthesized policy document.

Limits of principalmapper that shape the probes (see tests/iam_evaluator.py for the rest):
- it matches Resource ARNs case-insensitively, IAM does not. No probe differs from a granted
  folder in case only; case-sensitivity is asserted on our model alone (test below).
- it does not substitute `${...}` in Condition values; iam_evaluator.evaluate does, as IAM would.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modules import naming
from modules.access_model import EnvironmentAccess, RoleAccess, environment_access
from modules.config.model import Environment
from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, load_stack
from tests.iam_evaluator import iam_document, lint, lint_rules, role_arn, stack_references, stack_role_tags
from tests.stack_documents import bucket_policy, reference_name, role_policy
from tests.test_synth import variant
from tests.two_evaluators import Request, decide_all, evaluate

ENVIRONMENTS = ("dev", "prod", "staging")
IDENTITY = "eu-west-1:11111111-2222-4333-8444-555555555555"  # the caller's identity id
OTHER_IDENTITY = "eu-west-1:99999999-8888-4777-8666-555555555555"
OBJECT_ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:GetObjectVersion",
    "s3:DeleteObjectVersion",
    "s3:AbortMultipartUpload",
)
LIST_ACTIONS = ("s3:ListBucket", "s3:ListBucketVersions")
# Names that a sloppy prefix match (no trailing "/", a shared stem) would let through.
LOOK_ALIKES = (
    "analysts-old/x",
    "analyst/x",
    "finance/reportsX/y",
    "finance/",
    "content2/x",
    "inbox-archive/x",
)


@dataclass(frozen=True)
class Probe:
    action: str
    path: str | None  # object key, or the prefix of a listing; None: a listing without s3:prefix

    @property
    def is_listing(self) -> bool:
        return self.action in LIST_ACTIONS


@dataclass(frozen=True)
class RoleUnderTest:
    environment: str
    role: str  # the aws_iam_role's name
    policy: dict[str, Any]  # its inline policies, as AWS receives them
    model: RoleAccess | None  # None: the model grants this role nothing
    tags: dict[str, str]  # its role tags (folder_guard: its folders)


@dataclass(frozen=True)
class Verdicts:
    evaluated: int
    allowed: int
    mismatches: list[str]


# --- fixtures: the synthesized stacks and the model of the same environments


@pytest.fixture(scope="module")
def stacks(example_out: Path) -> dict[str, dict[str, Any]]:
    return {env: load_stack(example_out, env) for env in ENVIRONMENTS}


@pytest.fixture(scope="module")
def environments() -> dict[str, Environment]:
    return {env.name: env for env in load_valid_environments(EXAMPLES)}


@pytest.fixture(scope="module")
def roles(stacks, environments) -> list[RoleUnderTest]:
    return [role for env in ENVIRONMENTS for role in roles_under_test(stacks[env], environments[env])]


def roles_under_test(stack: dict[str, Any], environment: Environment) -> list[RoleUnderTest]:
    """Each role of the stack, paired with the model's role of the same name."""
    access = environment_access(environment)
    model = {role.role_name: role for role in access.roles}
    default = naming.default_role_name(environment)
    if access.no_group is not None:
        model[default] = access.no_group
    found = []
    for resource, body in stack["resource"]["aws_iam_role"].items():
        name = body["name"]
        assert name in model or name == default, f"{environment.name}: role {name} is not in the access model"
        policy, tags = role_policy(stack, resource), body.get("tags", {})
        found.append(RoleUnderTest(environment.name, name, policy, model.get(name), tags))
    assert set(model) <= {r.role for r in found}, f"{environment.name}: model roles missing from the stack"
    return found


# --- probes


def probe_paths(environment: Environment, identity: str) -> list[str]:
    """Keys and listing prefixes: every group's folders, their look-alikes, private folders."""
    paths: list[str] = ["", "private/", "private/x", *LOOK_ALIKES]
    folders = [folder for group in environment.groups for folder in group.folders]
    for folder in [*folders, *(shared.prefix for shared in environment.shared_folders)]:
        paths.extend(folder_paths(folder))
    for owner in (identity, OTHER_IDENTITY):
        paths.extend(folder_paths(f"private/{owner}/"))
    return list(dict.fromkeys(paths))


def folder_paths(folder: str) -> list[str]:
    """Inside `folder`, the folder itself, and names that share its stem or its parent."""
    stem = folder.removesuffix("/")
    parent = stem.rpartition("/")[0]
    inside = [f"{folder}x.txt", f"{folder}sub/y.txt", folder, f"{folder}sub/"]
    look_alikes = [stem, f"{stem}-old/x", f"{stem}X/y", f"{stem[:-1]}/x", f"{stem}2/x", f"{stem}-archive/x"]
    parents = [f"{parent}/", f"{parent}/x"] if parent else []
    return inside + look_alikes + parents


def probes(environment: Environment, identity: str) -> Iterator[Probe]:
    for path in probe_paths(environment, identity):
        for action in LIST_ACTIONS:
            yield Probe(action, path)
        if path:  # an object key is never empty
            for action in OBJECT_ACTIONS:
                yield Probe(action, path)
    for action in LIST_ACTIONS:
        yield Probe(action, None)


def probe_request(
    role: RoleUnderTest,
    probe: Probe,
    bucket: str,
    resource_policy: dict[str, Any],
    *,
    secure: bool = True,
    tls: str = "1.3",
) -> Request:
    """The probe as IAM receives it from the caller IDENTITY in `role`, the bucket policy applying as well."""
    context = {
        "cognito-identity.amazonaws.com:sub": IDENTITY,
        "aws:SecureTransport": str(secure).lower(),
        "s3:TlsVersion": tls,
    }
    resource = f"arn:aws:s3:::{bucket}" if probe.is_listing else f"arn:aws:s3:::{bucket}/{probe.path}"
    if probe.is_listing and probe.path is not None:
        context["s3:prefix"] = probe.path
    return Request(
        role_arn(role.role), probe.action, resource, role.policy, resource_policy, context, role.tags
    )


def evaluator_allows(*request: Any, **transport: Any) -> bool:
    """The evaluators' verdict (both must agree) on `probe_request(*request, **transport)`."""
    (allowed,) = decide_all([probe_request(*request, **transport)])
    return allowed


def model_allows(model: RoleAccess | None, probe: Probe) -> bool:
    # A listing without s3:prefix lists the whole bucket: the model's prefix "".
    return model is not None and model.allows(probe.action, probe.path or "", IDENTITY)


def compare(role: RoleUnderTest, environment: Environment, stack: dict[str, Any]) -> Verdicts:
    bucket, resource_policy = environment.bucket.bucket_name, bucket_policy(stack)
    mismatches, evaluated, allowed = [], 0, 0
    asked = list(probes(environment, IDENTITY))
    verdicts = decide_all([probe_request(role, probe, bucket, resource_policy) for probe in asked])
    for probe, evaluator in zip(asked, verdicts, strict=True):
        model = model_allows(role.model, probe)
        evaluated, allowed = evaluated + 1, allowed + evaluator
        if evaluator != model:
            mismatches.append(
                f"{role.environment} {role.role} {probe.action} {probe.path!r}: "
                f"evaluator {verdict(evaluator)}, model {verdict(model)}"
            )
    return Verdicts(evaluated, allowed, mismatches)


def verdict(allowed: bool) -> str:
    return "Allow" if allowed else "Deny"


# --- the evaluator agrees with the model


def test_evaluator_verdicts_equal_the_access_model(roles, stacks, environments):
    results = [compare(role, environments[role.environment], stacks[role.environment]) for role in roles]
    mismatches = [m for result in results for m in result.mismatches]
    evaluated, allowed = sum(r.evaluated for r in results), sum(r.allowed for r in results)
    print(f"{evaluated} probes evaluated over {len(roles)} roles, {allowed} allowed")
    assert not mismatches, "\n".join([f"{len(mismatches)} of {evaluated} probes disagree:", *mismatches])
    # Neither side may be trivially "deny everything": both must allow what the groups are for.
    assert allowed > 0
    assert len(roles) == 15  # 4 groups and the no-group role, in 3 environments


def test_every_role_of_the_model_reaches_its_own_folders(roles, stacks, environments):
    """Not vacuous: every folder the model grants is reachable through the synthesized policy."""
    for role in roles:
        if role.model is None:
            continue
        environment = environments[role.environment]
        for grant in role.model.grants:
            folder = grant.prefix.replace("<identity id>", IDENTITY)
            for action in grant.actions:
                path = folder if action in LIST_ACTIONS else f"{folder}x.txt"
                probe = Probe(action, path)
                assert evaluator_allows(
                    role,
                    probe,
                    environment.bucket.bucket_name,
                    bucket_policy(stacks[role.environment]),
                ), f"{role.role}: {action} {path!r}"


def test_a_leaked_prefix_is_reported(stacks, environments):
    """The comparison can fail: add analysts/ to finance's object statement, the model disagrees."""
    stack, environment = copy.deepcopy(stacks["staging"]), environments["staging"]
    block = stack["data"]["aws_iam_policy_document"]["group_finance_permissions"]
    objects = next(s for s in block["statement"] if "s3:PutObject" in s["actions"] and "condition" not in s)
    objects["resources"].append(f"{environment.bucket.arn}/analysts/*")
    (finance,) = [r for r in roles_under_test(stack, environment) if r.role.endswith("-finance")]
    result = compare(finance, environment, stack)
    leaked = "s3:PutObject 'analysts/x.txt': evaluator Allow, model Deny"
    assert any(m.endswith(leaked) for m in result.mismatches), result.mismatches
    assert all("'analysts" in m for m in result.mismatches), result.mismatches


def test_no_role_reaches_another_groups_folder(roles, stacks, environments):
    """Isolation, on the evaluator alone: nothing under another group's folder is allowed (the
    no-group role has no group: every group's folder is another's)."""
    leaks = []
    for role in roles:
        environment, resource_policy = environments[role.environment], bucket_policy(stacks[role.environment])
        own = {
            f
            for g in environment.groups
            if naming.role_name(environment, g) == role.role
            for fs in environment.folders_by_level(g).values()
            for f in fs
        }
        shared = {s.prefix for s in environment.shared_folders}
        others = ({f for g in environment.groups for f in g.folders} | shared) - own
        for folder in sorted(others):
            for path in (folder, f"{folder}sub/", f"{folder}x.txt"):
                for action in LIST_ACTIONS + OBJECT_ACTIONS:
                    bucket = environment.bucket.bucket_name
                    if evaluator_allows(role, Probe(action, path), bucket, resource_policy):
                        leaks.append(f"{role.environment} {role.role} {action} {path!r}")
    assert not leaks, "\n".join(leaks)


def test_insecure_transport_is_denied_by_the_bucket_policy(roles, stacks, environments):
    """The TLS-only bucket policy overrides every Allow of every role."""
    for role in roles:
        environment = environments[role.environment]
        resource_policy = bucket_policy(stacks[role.environment])
        for probe in probes(environment, IDENTITY):
            if model_allows(role.model, probe):
                bucket = environment.bucket.bucket_name
                assert not evaluator_allows(role, probe, bucket, resource_policy, secure=False), probe


def test_tls_before_1_2_is_denied_by_the_bucket_policy(roles, stacks, environments):
    """s3:TlsVersion below 1.2 is denied over every Allow; 1.2 itself is allowed."""
    for role in roles:
        environment = environments[role.environment]
        resource_policy = bucket_policy(stacks[role.environment])
        bucket = environment.bucket.bucket_name
        allowed = [probe for probe in probes(environment, IDENTITY) if model_allows(role.model, probe)]
        for probe in allowed:
            assert evaluator_allows(role, probe, bucket, resource_policy, tls="1.2"), probe
            assert not evaluator_allows(role, probe, bucket, resource_policy, tls="1.1"), probe


def test_folders_are_case_sensitive_in_the_model(environments):
    """S3 keys are case-sensitive. principalmapper matches Resource ARNs case-insensitively, so it
    cannot judge this; IAM matches them case-sensitively, and so must our model."""
    for environment in environments.values():
        access: EnvironmentAccess = environment_access(environment)
        for role in access.roles:
            for grant in role.grants:
                folder = grant.prefix.replace("<identity id>", IDENTITY)
                for action in grant.actions:
                    assert role.allows(action, f"{folder}x.txt", IDENTITY)
                    assert not role.allows(action, f"{folder.upper()}x.txt", IDENTITY), (
                        role.role_name,
                        action,
                    )
                    assert not role.allows(action, f"{folder.title()}x.txt", IDENTITY), (
                        role.role_name,
                        action,
                    )


# --- shared folders: each group at its own level, in token (the examples) and rules mode


@pytest.fixture(scope="module")
def rules_staging(synth_dir, tmp_path_factory) -> tuple[dict[str, Any], Environment]:
    """staging with role_mapping rules: the same policies, handed out by rules."""
    directory = variant(
        tmp_path_factory, lambda text: text.replace("role_mapping: token", "role_mapping: rules")
    )
    (environment,) = load_valid_environments(directory, ["staging"])
    return load_stack(synth_dir(directory), "staging"), environment


def test_rules_mode_with_a_shared_folder_equals_the_access_model(rules_staging):
    stack, environment = rules_staging
    assert environment.identity_pool.role_mapping == "rules"
    assert [shared.prefix for shared in environment.shared_folders] == ["reports/"]
    results = [compare(role, environment, stack) for role in roles_under_test(stack, environment)]
    mismatches = [m for result in results for m in result.mismatches]
    assert not mismatches, "\n".join(mismatches)
    assert sum(result.allowed for result in results) > 0


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_group_reaches_the_shared_folder_at_its_own_level(roles, stacks, environments, env):
    """finance writes reports/ but deletes nothing; analysts and editors only read; uploads has none."""
    expected = {
        "analysts": {"s3:GetObject"},
        "editors": {"s3:GetObject"},
        "finance": {"s3:GetObject", "s3:PutObject"},
        "uploads": set(),
    }
    environment, resource_policy = environments[env], bucket_policy(stacks[env])
    for role in (r for r in roles if r.environment == env and r.model is not None and r.model.group):
        allowed = {
            action
            for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
            if evaluator_allows(
                role, Probe(action, "reports/q1.pdf"), environment.bucket.bucket_name, resource_policy
            )
        }
        assert allowed == expected[str(role.model.group)], role.role


def test_folder_guard_names_exactly_the_roles_granted_a_shared_folder(stacks, environments):
    """With a leaked identity policy, only the roles granted reports/ (and the exempt) reach it."""
    environment, stack = environments["prod"], stacks["prod"]
    leaked = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    key = f"arn:aws:s3:::{environment.bucket.bucket_name}/reports/q1.pdf"
    context = {"aws:SecureTransport": "true"}
    reached = {
        group.name
        for group in environment.groups
        if evaluate(
            leaked,
            "s3:GetObject",
            key,
            context,
            bucket_policy(stack),
            principal_arn=role_arn(naming.role_name(environment, group)),
            principal_tags=stack_role_tags(stack)[role_arn(naming.role_name(environment, group))],
        )
    }
    assert reached == {"analysts", "editors", "finance"}


# --- iam_document: the data source's output


def test_iam_document_writes_policy_variables_and_resolves_references():
    block = {
        "statement": [
            {
                "sid": "Own",
                "actions": ["s3:GetObject"],
                "resources": ["arn:aws:s3:::b/private/&{cognito-identity.amazonaws.com:sub}/*"],
                "condition": [
                    {"test": "StringEquals", "variable": "aws:SourceVpc", "values": ["${aws_vpc.main.id}"]}
                ],
            }
        ]
    }
    assert iam_document(block, {"aws_vpc.main.id": "vpc-1"}) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Own",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/private/${cognito-identity.amazonaws.com:sub}/*",
                "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}},
            }
        ],
    }
    with pytest.raises(KeyError, match=r"aws_vpc\.main\.id"):
        iam_document(block)


# --- lint: parliament over every synthesized policy document


def all_documents(stacks: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for env, stack in stacks.items():
        for name, block in stack["data"]["aws_iam_policy_document"].items():
            yield f"{env}/{name}", iam_document(block, stack_references(stack))


def test_every_policy_is_a_linted_document(stacks):
    """Every policy the stacks attach comes from a policy document data source, so none escapes lint."""
    for stack in stacks.values():
        resources = stack["resource"]
        attached = [
            *(r["policy"] for r in resources.get("aws_iam_role_policy", {}).values()),
            *(r["assume_role_policy"] for r in resources["aws_iam_role"].values()),
            *(r["policy"] for r in resources.get("aws_s3_bucket_policy", {}).values()),
        ]
        for reference in attached:
            assert (
                reference_name(reference, "data.aws_iam_policy_document")
                in stack["data"]["aws_iam_policy_document"]
            )


def test_parliament_finds_nothing_in_any_synthesized_policy(stacks):
    documents = dict(all_documents(stacks))
    assert {name.split("/")[1] for name in documents} >= {
        "cognito_trust",
        "files_policy_document",
        "group_analysts_permissions",
        "no_group_permissions",
    }
    findings = [f"{name}: {finding}" for name, policy in documents.items() for finding in lint(policy)]
    assert findings == [], "\n".join(findings)


def test_every_lint_workaround_is_still_needed(stacks):
    """Each entry of lint_ignores.yaml suppresses a finding that our policies would otherwise raise."""
    documents = dict(all_documents(stacks))
    rules = lint_rules()
    for name, rule in {**rules["normalise"], **rules["ignore"]}.items():
        issues = {f.issue for policy in documents.values() for f in lint(policy, skip={name})}
        assert rule["issue"] in issues, f"lint_ignores.yaml: {name} is no longer needed"


OBJECT_ON_BUCKET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}
PREFIX_ON_OBJECTS = {
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b/finance/*",
    "Condition": {"StringLike": {"s3:prefix": ["finance/*"]}},
}
TYPO = {"Effect": "Allow", "Action": "s3:GetObjects", "Resource": "arn:aws:s3:::b/finance/*"}
# The trust-policy ignore must not hide the same finding in a permission policy.
ASSUME_IN_PERMISSIONS = {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Resource": "*"}
PRIVATE_ON_BUCKET = {
    "Effect": "Allow",
    "Action": "s3:PutObject",
    "Resource": "arn:aws:s3:::b/${cognito-identity.amazonaws.com:sub}",
}


@pytest.mark.parametrize(
    ("statement", "issue"),
    [
        (OBJECT_ON_BUCKET, "RESOURCE_MISMATCH"),
        (PREFIX_ON_OBJECTS, "UNKNOWN_CONDITION_FOR_ACTION"),
        (TYPO, "UNKNOWN_ACTION"),
        (ASSUME_IN_PERMISSIONS, "CREDENTIALS_EXPOSURE"),
    ],
    ids=["object-action-on-bucket", "s3-prefix-on-GetObject", "unknown-action", "assume-role-in-permissions"],
)
def test_lint_catches_a_bad_policy(statement, issue):
    findings = lint({"Version": "2012-10-17", "Statement": [statement]})
    assert issue in {f.issue for f in findings}, findings


def test_lint_catches_a_broken_synthesized_policy(stacks):
    """Moving s3:GetObject into the listing statement (bucket ARN, s3:prefix) of a real policy is caught."""
    block = copy.deepcopy(stacks["dev"]["data"]["aws_iam_policy_document"]["group_analysts_permissions"])
    listing = next(s for s in block["statement"] if "condition" in s)
    listing["actions"].append("s3:GetObject")
    issues = {f.issue for f in lint(iam_document(block, stack_references(stacks["dev"])))}
    assert {"RESOURCE_MISMATCH", "UNKNOWN_CONDITION_FOR_ACTION"} <= issues, issues


def test_lint_normalisation_keeps_the_arn_shape():
    """After replacing the identity variable, parliament still sees what kind of ARN it is."""
    assert lint({"Version": "2012-10-17", "Statement": [PRIVATE_ON_BUCKET]}) == []  # b/<id>: an object
    on_bucket = {**PRIVATE_ON_BUCKET, "Action": "s3:ListBucket"}
    assert "RESOURCE_MISMATCH" in {f.issue for f in lint({"Version": "2012-10-17", "Statement": [on_bucket]})}


# --- folder guard (prod): the bucket policy closes each folder to all but its owners


def test_folder_guard_denies_a_strong_principal_outside_the_folder_and_spares_the_exempt(
    stacks, environments
):
    """An administrator role with s3:* is still denied under a guarded folder; an exempt one is not."""
    environment, resource_policy = environments["prod"], bucket_policy(stacks["prod"])
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    context = {"aws:SecureTransport": "true"}
    exempt = environment.bucket.exempt_principals[0]
    for group in environment.groups:
        for folder in group.folders:
            key = f"arn:aws:s3:::{environment.bucket.bucket_name}/{folder}x.txt"
            assert not evaluate(
                admin, "s3:GetObject", key, context, resource_policy, principal_arn=role_arn("admin")
            )
            assert evaluate(admin, "s3:GetObject", key, context, resource_policy, principal_arn=exempt)


def test_folder_guard_closes_a_folder_to_other_group_roles_even_if_their_policy_leaked(stacks, environments):
    """With the guard, a leaked identity policy (analysts granted finance/) is still denied."""
    environment, stack = environments["prod"], stacks["prod"]
    resource_policy = bucket_policy(stack)
    leaked = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    analysts = role_arn(stack["resource"]["aws_iam_role"]["group_analysts_role"]["name"])
    finance = role_arn(stack["resource"]["aws_iam_role"]["group_finance_role"]["name"])
    key = f"arn:aws:s3:::{environment.bucket.bucket_name}/finance/reports/q1.pdf"
    context = {"aws:SecureTransport": "true"}
    tags = stack_role_tags(stack)
    assert not evaluate(
        leaked,
        "s3:GetObject",
        key,
        context,
        resource_policy,
        principal_arn=analysts,
        principal_tags=tags[analysts],
    )
    assert evaluate(
        leaked,
        "s3:GetObject",
        key,
        context,
        resource_policy,
        principal_arn=finance,
        principal_tags=tags[finance],
    )
    # Without a guard (staging), the same leak would go through: the guard is what stops it.
    staging_key = key.replace("prod", "staging")
    staging_policy = bucket_policy(stacks["staging"])
    staging_analysts = analysts.replace("prod", "staging")
    assert evaluate(
        leaked, "s3:GetObject", staging_key, context, staging_policy, principal_arn=staging_analysts
    )


def test_folder_guard_closes_listing_to_principals_outside_the_app(stacks, environments):
    """Key names are data too: only our roles (and the exempt) may list a guarded bucket."""
    environment, resource_policy = environments["prod"], bucket_policy(stacks["prod"])
    admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    bucket = f"arn:aws:s3:::{environment.bucket.bucket_name}"
    for prefix in ("", "finance/", "private/"):
        context = {"aws:SecureTransport": "true", "s3:prefix": prefix}
        assert not evaluate(
            admin, "s3:ListBucket", bucket, context, resource_policy, principal_arn=role_arn("admin")
        )
        exempt = environment.bucket.exempt_principals[1]
        assert evaluate(admin, "s3:ListBucket", bucket, context, resource_policy, principal_arn=exempt)
