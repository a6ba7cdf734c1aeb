"""IAM evaluation and linting with tools this project did not write.

- principalmapper (NCC Group) evaluates a policy the way IAM would, locally: Allow or Deny.
- parliament (Duo Labs) lints a policy: unknown actions, resources that no action can match,
  condition keys that an action does not have, malformed statements.

Both are old and need small compatibility shims on current Python; the shims run on import of
this module, before either library is imported. What each tool gets wrong for our policies is
handled here, in one place, and explained where it is handled (see also lint_ignores.yaml).
"""

from __future__ import annotations

import collections
import collections.abc
import copy
import functools
import importlib.resources
import json
import re
import sys
import types
import warnings
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modules.policies.references import placeholder_role_id


def _install_shims() -> None:
    # principalmapper 1.1.5 does `from collections import Mapping, MutableMapping` (gone since 3.10).
    for name in ("Mapping", "MutableMapping"):
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    with warnings.catch_warnings():
        # setuptools 80/81 warn when pkg_resources is imported.
        warnings.simplefilter("ignore")
        try:
            import pkg_resources  # noqa: F401, PLC0415 - only probing whether it exists
        except ImportError:
            # parliament 1.6.4 imports pkg_resources (removed in setuptools 82) for resource_filename only.
            shim = types.ModuleType("pkg_resources")
            shim.resource_filename = lambda package, name: str(importlib.resources.files(package) / name)  # type: ignore[attr-defined]
            sys.modules["pkg_resources"] = shim


_install_shims()

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # parliament leaves two data files open (ResourceWarning)
    import parliament
    from principalmapper.common import Node, Policy
    from principalmapper.querying.query_interface import local_check_authorization_full

# What the CLI does for --include-community-auditors: their findings' titles and severities.
parliament.override_config(
    str(importlib.resources.files("parliament") / "community_auditors" / "config_override.yaml")
)

ACCOUNT = "123456789012"  # the account of the example environments' exempt principals
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/probe-role"
IGNORES_FILE = Path(__file__).with_name("lint_ignores.yaml")

# A Terraform interpolation (`$${` is Terraform's escape for a literal `${`), and an IAM policy
# variable once `&{...}` has become `${...}`.
TERRAFORM_INTERPOLATION = re.compile(r"(?<!\$)\$\{([^}]*)\}")
IAM_VARIABLE = re.compile(r"\$\{([^}]+)\}")
# parliament understands `${aws:...}` variables only.
NON_AWS_VARIABLE = re.compile(r"\$\{(?!aws:)[^}]+\}")
PRINCIPAL_TAG_VARIABLE = re.compile(r"\$\{aws:PrincipalTag/([^}]+)\}", re.IGNORECASE)


# --- the synthesized data source, back to the JSON that Terraform hands to AWS


def iam_document(block: Mapping[str, Any], references: Mapping[str, str] | None = None) -> dict[str, Any]:
    """AWS IAM JSON for a synthesized `data.aws_iam_policy_document` block.

    The data source turns every `&{...}` into a literal `${...}` (an IAM policy variable), and
    Terraform resolves `${...}` references at apply time: `references` supplies their values
    (`"aws_cognito_identity_pool.identities.id": "eu-west-1:..."`); an unknown one is an error,
    so that nothing reaches the evaluator half-resolved. A one-element list is written as a plain
    string, as the data source does; the order of values does not matter to IAM.
    """
    resolve = _resolver(references or {})
    document: dict[str, Any] = {"Version": block.get("version", "2012-10-17")}
    document["Statement"] = [_statement(statement, resolve) for statement in block.get("statement", [])]
    return document


def _resolver(references: Mapping[str, str]) -> Callable[[str], str]:
    def resolve(value: str) -> str:
        def reference(match: re.Match[str]) -> str:
            if match.group(1) not in references:
                raise KeyError(f"unresolved Terraform reference {match.group(0)!r}: pass its value")
            return references[match.group(1)]

        return TERRAFORM_INTERPOLATION.sub(reference, value).replace("$${", "${").replace("&{", "${")

    return resolve


def _statement(block: Mapping[str, Any], resolve: Callable[[str], str]) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if "sid" in block:
        statement["Sid"] = block["sid"]
    statement["Effect"] = block.get("effect", "Allow")  # the data source's default
    for key, name in (("actions", "Action"), ("not_actions", "NotAction")):
        if key in block:
            statement[name] = _one_or_list([resolve(v) for v in block[key]])
    for key, name in (("resources", "Resource"), ("not_resources", "NotResource")):
        if key in block:
            statement[name] = _one_or_list([resolve(v) for v in block[key]])
    for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if key in block:
            statement[name] = _principals(block[key], resolve)
    if block.get("condition"):
        statement["Condition"] = _conditions(block["condition"], resolve)
    return statement


def _principals(blocks: list[Mapping[str, Any]], resolve: Callable[[str], str]) -> str | dict[str, Any]:
    if [(b["type"], b["identifiers"]) for b in blocks] == [("*", ["*"])]:
        return "*"  # the data source's spelling of "everyone"
    merged: dict[str, list[str]] = {}
    for principal in blocks:
        merged.setdefault(principal["type"], []).extend(resolve(i) for i in principal["identifiers"])
    return {kind: _one_or_list(identifiers) for kind, identifiers in merged.items()}


def _conditions(blocks: list[Mapping[str, Any]], resolve: Callable[[str], str]) -> dict[str, Any]:
    merged: dict[str, dict[str, Any]] = {}
    for condition in blocks:
        values = _one_or_list([resolve(v) for v in condition["values"]])
        merged.setdefault(condition["test"], {})[condition["variable"]] = values
    return merged


def _one_or_list(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


# --- evaluation (principalmapper)


def stack_references(stack: Mapping[str, Any]) -> dict[str, str]:
    """Values for the Terraform references in policies (known only at apply time): any
    identity pool id, key and account will do; role ARNs follow from the role names."""
    roles = stack["resource"]["aws_iam_role"]
    bucket = stack["output"]["bucket_name"]["value"]
    return {
        "aws_cognito_identity_pool.identities.id": "eu-west-1:00000000-0000-4000-8000-000000000000",
        "aws_kms_key.files_key.arn": f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/00000000-0000-4000-8000-000000000000",
        "data.aws_caller_identity.current.account_id": ACCOUNT,
        "aws_s3_bucket.files.arn": f"arn:aws:s3:::{bucket}",
        **{f"aws_iam_role.{resource}.arn": role_arn(body["name"]) for resource, body in roles.items()},
        **{
            f"aws_iam_role.{resource}.unique_id": placeholder_role_id(body["name"])
            for resource, body in roles.items()
        },
    }


def stack_role_tags(stack: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Role ARN → the role's tags (folder_guard: its folders), as the stack declares them."""
    roles = stack["resource"]["aws_iam_role"]
    return {role_arn(body["name"]): body.get("tags", {}) for body in roles.values()}


def session_user_id(principal_arn: str) -> str:
    """aws:userid of a Cognito session of the role `principal_arn`: `<role id>:<session name>`."""
    return f"{placeholder_role_id(principal_arn.rpartition('/')[2])}:CognitoIdentityCredentials"


def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def evaluate(
    policy: Mapping[str, Any],
    action: str,
    resource_arn: str,
    context: Mapping[str, str],
    resource_policy: Mapping[str, Any] | None = None,
    *,
    principal_arn: str = ROLE_ARN,
    principal_tags: Mapping[str, str] | None = None,
) -> bool:
    """Would IAM allow a role whose only (inline) policy is `policy` to do `action` on `resource_arn`?

    The role's session is a Cognito one: aws:userid is `<role id>:<session name>`, the role id
    being the one `stack_references` and validation's placeholders give a role of that name;
    `principal_tags` are the role's tags (aws:PrincipalTag/...).

    `context` holds the request's condition keys (`s3:prefix`, `cognito-identity.amazonaws.com:sub`,
    `aws:SecureTransport`). principalmapper's full local check: an explicit Deny in any policy wins,
    then an Allow in the resource policy or the identity policy. `resource_policy` (the bucket
    policy) is taken to be in the role's account, as our bucket is.
    """
    node = _role_node(_substitute_condition_variables(policy, context), principal_arn, principal_tags or {})
    session = {"aws:userid": session_user_id(principal_arn)}
    return local_check_authorization_full(
        node,
        action,
        resource_arn,
        {**session, **context},
        None if resource_policy is None else _resolvable(resource_policy, principal_tags or {}),
        None if resource_policy is None else ACCOUNT,
    )


def _resolvable(policy: Mapping[str, Any], tags: Mapping[str, str]) -> dict[str, Any]:
    """`policy` without the statements whose Resource or NotResource names a principal tag the
    principal lacks. IAM says such a statement may be invalid (`reference_policies_variables`,
    "If AWS cannot resolve a variable this might cause the entire statement to be invalid"); a
    Deny that drops out must not be what keeps anyone out, so the evaluator assumes it does."""
    held = {key.lower() for key in tags}
    resolvable = copy.deepcopy(dict(policy))
    resolvable["Statement"] = [
        statement
        for statement in _statements(resolvable)
        if all(
            key.lower() in held
            for field in ("Resource", "NotResource")
            for value in _as_list(statement.get(field, []))
            for key in PRINCIPAL_TAG_VARIABLE.findall(value)
        )
    ]
    return resolvable


def _role_node(policy: Mapping[str, Any], arn: str, tags: Mapping[str, str]) -> Node:
    # The bucket policy's folder guard compares aws:PrincipalArn with the role's ARN.
    return Node(
        arn=arn,
        id_value="AROAPROBEROLE",
        attached_policies=[Policy(arn, "inline", copy.deepcopy(dict(policy)))],
        group_memberships=[],
        trust_policy={"Version": "2012-10-17", "Statement": []},
        instance_profile=None,
        num_access_keys=0,
        active_password=False,
        is_admin=False,
        permissions_boundary=None,
        has_mfa=False,
        tags=dict(tags),
    )


def _substitute_condition_variables(policy: Mapping[str, Any], context: Mapping[str, str]) -> dict[str, Any]:
    """Put the request's values into `${...}` variables of Condition values, as IAM does.

    principalmapper substitutes policy variables in Resource, but compares Condition values
    literally: `StringLike s3:prefix private/${cognito-identity.amazonaws.com:sub}/*` would
    never match and every listing of one's own private folder would be denied. Substituting
    here gives IAM's behaviour. A variable with no value in the request is left alone (it
    then matches nothing, as in IAM). The values we substitute are identity ids, which hold
    no `*` or `?`: principalmapper would read those as wildcards, IAM would not.
    """
    substituted = copy.deepcopy(dict(policy))
    for statement in _statements(substituted):
        for block in statement.get("Condition", {}).values():
            for key, values in block.items():
                block[key] = _substitute(values, context)
    return substituted


def _substitute(values: str | list[str], context: Mapping[str, str]) -> str | list[str]:
    def one(value: str) -> str:
        return IAM_VARIABLE.sub(lambda m: context.get(m.group(1), m.group(0)), value)

    return one(values) if isinstance(values, str) else [one(v) for v in values]


def _statements(policy: Mapping[str, Any]) -> list[dict[str, Any]]:
    statements = policy["Statement"]
    return [statements] if isinstance(statements, dict) else statements


# --- linting (parliament)


@dataclass(frozen=True)
class LintFinding:
    issue: str
    severity: str
    title: str
    detail: str
    location: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.severity} {self.issue} ({self.title}): {self.detail} at {self.location}"


def lint(
    policy: Mapping[str, Any], *, role_arn: str = ROLE_ARN, skip: Collection[str] = ()
) -> list[LintFinding]:
    """Parliament's findings on `policy`: community auditors included, every severity.

    Before linting, the rewrites of lint_ignores.yaml (`normalise`) fix what parliament misreads;
    after it, its `ignore` entries drop known false positives. `skip` leaves named ones out (to
    show that each is still needed). `role_arn`: the role a trust policy belongs to.
    """
    rules = lint_rules()
    kind = policy_kind(policy)
    normalised = copy.deepcopy(dict(policy))
    for name in (n for n in rules["normalise"] if n not in skip):
        normalised = NORMALISATIONS[name](normalised, role_arn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ResourceWarning from parliament's data files
        analysed = parliament.analyze_policy_string(
            json.dumps(normalised), ignore_private_auditors=True, include_community_auditors=True
        )
    found = [_finding(parliament.enhance_finding(f)) for f in analysed.findings]
    ignores = [rule for name, rule in rules["ignore"].items() if name not in skip]
    return [f for f in found if not any(_ignores(rule, kind, f) for rule in ignores)]


def policy_kind(policy: Mapping[str, Any]) -> str:
    """`trust` (a role's: whom it trusts, no Resource), `key` (a KMS key policy), `resource`
    (e.g. a bucket's) or `identity`."""
    statements = _statements(policy)
    if any("Principal" in s and not {"Resource", "NotResource"} & set(s) for s in statements):
        return "trust"
    if not any("Principal" in s or "NotPrincipal" in s for s in statements):
        return "identity"
    actions = [a for s in statements for a in _as_list(s.get("Action", []))]
    return "key" if actions and all(a.startswith("kms:") for a in actions) else "resource"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _finding(finding: Any) -> LintFinding:
    return LintFinding(
        issue=finding.issue,
        severity=finding.severity,
        title=finding.title,
        detail=str(finding.detail),
        location=dict(finding.location),
    )


def _ignores(rule: Mapping[str, Any], kind: str, finding: LintFinding) -> bool:
    """Same issue, same kind of policy, the finding's location has the rule's values, and its
    detail is one of the rule's `details` where the rule lists them."""
    return (
        rule["issue"] == finding.issue
        and rule["policy"] == kind
        and finding.detail in rule.get("details", [finding.detail])
        and all(finding.location.get(key) == value for key, value in rule["location"].items())
    )


def _non_aws_variables(policy: dict[str, Any], _role_arn: str) -> dict[str, Any]:
    """`${cognito-identity.amazonaws.com:sub}` → `IAMVARIABLE`, in every string of the policy."""
    return json.loads(NON_AWS_VARIABLE.sub("IAMVARIABLE", json.dumps(policy)))


def _trust_policy_resource(policy: dict[str, Any], role_arn: str) -> dict[str, Any]:
    """A role trust policy's statements get their implicit resource: the role itself."""
    for statement in _statements(policy):
        if "Principal" in statement and not {"Resource", "NotResource"} & set(statement):
            statement["Resource"] = role_arn
    return policy


# Each rewrite is documented (the finding it prevents, and why) in lint_ignores.yaml, same name.
NORMALISATIONS: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
    "non_aws_policy_variables": _non_aws_variables,
    "trust_policy_resource": _trust_policy_resource,
}


@functools.cache
def lint_rules() -> dict[str, Any]:
    """lint_ignores.yaml, checked: every rewrite it names exists, every entry is complete."""
    rules = yaml.safe_load(IGNORES_FILE.read_text())
    unknown = set(rules["normalise"]) - set(NORMALISATIONS)
    if unknown:
        raise ValueError(f"{IGNORES_FILE.name} names rewrites that do not exist: {sorted(unknown)}")
    required = [
        (rules["normalise"], {"issue", "reason"}),
        (rules["ignore"], {"issue", "reason", "policy", "location"}),
    ]
    for entries, keys in required:
        for name, rule in entries.items():
            if keys - set(rule):
                raise ValueError(f"{IGNORES_FILE.name}: {name} lacks {sorted(keys - set(rule))}")
    return rules
