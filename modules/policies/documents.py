"""Whole IAM documents (AWS JSON form) and their `aws_iam_policy_document` form."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from modules.config.model import Environment, Group
from modules.policies import principal_tags
from modules.policies.check import IDENTITY_VARIABLE, LIST_ACTIONS
from modules.policies.templates import render_statements

VERSION = "2012-10-17"
PRIVATE_PREFIX = f"private/{IDENTITY_VARIABLE}/"
IAM_VARIABLE = re.compile(r"\$\{([^{}:]+:[^{}]+)\}")
PRIVATE_LEVEL = "readwrite"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
ACCESS_LOG_PREFIX = "s3-access/"
# Which KMS action each kind of S3 access needs.
KMS_NEEDS = (
    ("kms:Decrypt", frozenset({"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"})),
    ("kms:GenerateDataKey", frozenset({"s3:PutObject"})),
)

Document = dict[str, Any]


def group_policy(environment: Environment, group: Group, key_arn: str | None = None) -> Document:
    """What a member of `group` may do: its folders, their own private folder, and the
    bucket's KMS key (`key_arn`) as far as those need it."""
    statements = _named("Group", _render(environment, group.access, group.folders))
    statements += private_folder_statements(environment)
    return _with_key(environment, statements, key_arn)


def folders_policy(environment: Environment, key_arn: str | None = None) -> Document:
    """`tags` mode: the one folders role. Per level in use and per tag slot, the level's
    statements for the folder in that principal tag, valid only while the tag holds a
    non-empty folder; a missing tag matches nothing. Then the private folder and the key."""
    statements: list[dict[str, Any]] = []
    for level in principal_tags.levels(environment):
        for key in principal_tags.tag_keys(environment, level):
            rendered = _render(environment, level, (principal_tags.tag_variable(key),))
            sid = "Tag" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", key))
            statements += [_with_folder_tag(statement, key) for statement in _named(sid, rendered)]
    statements += private_folder_statements(environment)
    return _with_key(environment, statements, key_arn)


def _with_folder_tag(statement: dict[str, Any], key: str) -> dict[str, Any]:
    condition = {operator: dict(block) for operator, block in statement.get("Condition", {}).items()}
    condition.setdefault("StringLike", {})[f"aws:PrincipalTag/{key}"] = [principal_tags.NON_EMPTY_FOLDER]
    return {**statement, "Condition": condition}


def _with_key(environment: Environment, statements: list[dict[str, Any]], key_arn: str | None) -> Document:
    """`statements`, plus what SSE-KMS needs for them: reading kms:Decrypt, writing
    kms:GenerateDataKey (and Decrypt for multipart uploads); only through S3 in this region."""
    actions = {action for statement in statements for action in statement["Action"]}
    needed = [kms for kms, s3 in KMS_NEEDS if actions & s3]
    if key_arn is None or not needed:
        return _document(statements)
    use_key = {
        "Sid": "UseBucketKeyThroughS3",
        "Effect": "Allow",
        "Action": needed,
        "Resource": [key_arn],
        "Condition": {"StringEquals": {"kms:ViaService": [f"s3.{environment.region}.amazonaws.com"]}},
    }
    return _document([*statements, use_key])


def private_folder_statements(environment: Environment) -> list[dict[str, Any]]:
    """Every role repeats these: a group role replaces the default authenticated role."""
    if not environment.private_folders:
        return []
    return _named("Private", _render(environment, PRIVATE_LEVEL, (PRIVATE_PREFIX,)))


def no_group_policy(environment: Environment, key_arn: str | None = None) -> Document | None:
    """The default authenticated role's policy; None when it grants nothing."""
    if environment.identity_pool.users_without_group == "deny" or not environment.private_folders:
        return None
    return _with_key(environment, private_folder_statements(environment), key_arn)


def trust_policy(identity_pool_id: str, tag_session: bool = False) -> Document:
    """Only identities of this identity pool, and only authenticated ones; with
    `tag_session` (tags mode) the identity pool may also pass principal tags."""
    return _document(
        [
            {
                "Sid": "CognitoAuthenticatedIdentities",
                "Effect": "Allow",
                "Principal": {"Federated": COGNITO_IDENTITY},
                "Action": ["sts:AssumeRoleWithWebIdentity", *(["sts:TagSession"] if tag_session else [])],
                "Condition": {
                    "StringEquals": {f"{COGNITO_IDENTITY}:aud": [identity_pool_id]},
                    "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": ["authenticated"]},
                },
            }
        ]
    )


def files_bucket_policy(
    environment: Environment, role_arns: Mapping[str, str], exempt_role_arn: str
) -> Document:
    """TLS only; with folder_guard, each folder is also closed to all but its owners.

    `role_arns` maps group names to their role ARNs; `exempt_role_arn` is the role of
    users in no group, which may only ever reach private folders.
    """
    bucket = environment.bucket
    statements = [_tls_only(bucket.arn)]
    if not bucket.folder_guard:
        return _document(statements)
    exempt = list(bucket.exempt_principals)
    ours = [*(role_arns[g.name] for g in environment.groups_by_name), exempt_role_arn]
    statements += [
        _guard(_guard_sid(folder), ["s3:*"], f"{bucket.arn}/{folder}*", [role_arns[group.name], *exempt])
        for group, folder in _folders_by_name(environment)
    ]
    if environment.private_folders:
        statements.append(_guard("GuardPrivate", ["s3:*"], f"{bucket.arn}/private/*", [*ours, *exempt]))
    # Listing shows every key name: only our roles (each limited by its own policy) may list.
    statements.append(_guard("GuardListing", sorted(LIST_ACTIONS), bucket.arn, [*ours, *exempt]))
    return _document(statements)


def _guard_sid(folder: str) -> str:
    """From the folder, not its position: adding a group leaves every other Sid as it was."""
    words = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", folder))[:40]
    return f"Guard{words}{hashlib.sha256(folder.encode()).hexdigest()[:6]}"


def _folders_by_name(environment: Environment) -> list[tuple[Group, str]]:
    return [(group, folder) for group in environment.groups_by_name for folder in group.folders]


def _guard(sid: str, actions: list[str], resource: str, allowed: list[str]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": actions,
        "Resource": [resource],
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": allowed}},
    }


def log_bucket_policy(log_bucket_arn: str, source_bucket_arn: str, account_id: str) -> Document:
    """S3 server access logging writes with the logging service principal, from our bucket only."""
    return _document(
        [
            _tls_only(log_bucket_arn),
            {
                "Sid": "AllowServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": ["s3:PutObject"],
                "Resource": [f"{log_bucket_arn}/{ACCESS_LOG_PREFIX}*"],
                "Condition": {
                    "ArnLike": {"aws:SourceArn": [source_bucket_arn]},
                    "StringEquals": {"aws:SourceAccount": [account_id]},
                },
            },
        ]
    )


def key_policy(account_id: str) -> Document:
    """The account administers the key (IAM policies decide who uses it): the default key policy."""
    return _document(
        [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": ["kms:*"],
                "Resource": ["*"],
            }
        ]
    )


def _tls_only(bucket_arn: str) -> dict[str, Any]:
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["s3:*"],
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
    }


def minified_size(document: Document) -> int:
    """Size as IAM counts it against its quotas: whitespace is not counted."""
    return len(json.dumps(document, separators=(",", ":")))


def terraform_statements(document: Document) -> list[dict[str, Any]]:
    """`statement` blocks of an `aws_iam_policy_document` data source.

    Checkov's IAM checks read these blocks, not policy strings. Terraform would
    interpolate `${...}`; the data source writes `&{...}` as a literal `${...}`.
    """
    return [_terraform_statement(statement) for statement in document["Statement"]]


def _terraform_statement(statement: dict[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = {
        "sid": statement["Sid"],
        "effect": statement["Effect"],
        "actions": statement["Action"],
    }
    if "Resource" in statement:
        block["resources"] = [_literal(r) for r in statement["Resource"]]
    if "Principal" in statement:
        block["principals"] = [
            {"type": kind, "identifiers": [who] if isinstance(who, str) else who}
            for kind, who in statement["Principal"].items()
        ]
    conditions = [
        {"test": test, "variable": variable, "values": [_literal(v) for v in values]}
        for test, block_ in statement.get("Condition", {}).items()
        for variable, values in block_.items()
    ]
    if conditions:
        block["condition"] = conditions
    return block


def _literal(value: str) -> str:
    """IAM variables (`${service:key}`, `${aws:PrincipalTag/k}`) as the data source writes them;
    Terraform references (`${aws_x.y.id}`, no colon) stay references."""
    return IAM_VARIABLE.sub(r"&{\1}", value)


def _render(environment: Environment, level: str, prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
    return render_statements(
        level,
        bucket_arn=environment.bucket.arn,
        prefixes=prefixes,
        versioned=environment.bucket.versioned,
    )


def _named(prefix: str, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**statement, "Sid": prefix + statement["Sid"]} for statement in statements]


def _document(statements: list[dict[str, Any]]) -> Document:
    return {"Version": VERSION, "Statement": statements}
