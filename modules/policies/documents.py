"""Whole IAM documents (AWS JSON form) and their `aws_iam_policy_document` form."""

from __future__ import annotations

import json
from typing import Any

from modules.config.model import Environment, Group
from modules.policies.check import IDENTITY_VARIABLE
from modules.policies.templates import render_statements

VERSION = "2012-10-17"
PRIVATE_PREFIX = f"private/{IDENTITY_VARIABLE}/"
PRIVATE_LEVEL = "readwrite"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"

Document = dict[str, Any]


def group_policy(environment: Environment, group: Group) -> Document:
    """What a member of `group` may do: its folders, and their own private folder."""
    statements = _named("Group", _render(environment, group.access, group.folders))
    return _document(statements + private_folder_statements(environment))


def private_folder_statements(environment: Environment) -> list[dict[str, Any]]:
    """Every role repeats these: a group role replaces the default authenticated role."""
    if not environment.private_folders:
        return []
    return _named("Private", _render(environment, PRIVATE_LEVEL, (PRIVATE_PREFIX,)))


def no_group_policy(environment: Environment) -> Document | None:
    """The default authenticated role's policy; None when it grants nothing."""
    if environment.identity_pool.users_without_group == "deny":
        return None
    return _document(private_folder_statements(environment)) if environment.private_folders else None


def trust_policy(identity_pool_id: str) -> Document:
    """Only identities of this identity pool, and only authenticated ones."""
    return _document(
        [
            {
                "Sid": "CognitoAuthenticatedIdentities",
                "Effect": "Allow",
                "Principal": {"Federated": COGNITO_IDENTITY},
                "Action": ["sts:AssumeRoleWithWebIdentity"],
                "Condition": {
                    "StringEquals": {f"{COGNITO_IDENTITY}:aud": [identity_pool_id]},
                    "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": ["authenticated"]},
                },
            }
        ]
    )


def tls_only_bucket_policy(bucket_arn: str) -> Document:
    return _document(
        [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": ["s3:*"],
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
            }
        ]
    )


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
    return value.replace(IDENTITY_VARIABLE, "&" + IDENTITY_VARIABLE[1:])


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
