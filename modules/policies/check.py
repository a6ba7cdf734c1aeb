"""What a rendered statement list may contain: S3 folder access inside one bucket."""

from __future__ import annotations

import re
from typing import Any

LIST_ACTIONS = frozenset({"s3:ListBucket", "s3:ListBucketVersions"})
OBJECT_ACTIONS = frozenset(
    {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "s3:GetObjectTagging",
        "s3:PutObjectTagging",
    }
)
STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "Resource", "Condition"})
# The only policy variable we emit: the caller's identity id, for private/<id>/.
IDENTITY_VARIABLE = "${cognito-identity.amazonaws.com:sub}"
SID = re.compile(r"^[A-Za-z0-9]+$")


def statement_problems(statements: Any, bucket_arn: str) -> list[str]:
    """Every reason why `statements` is not a safe folder policy for `bucket_arn`."""
    if not isinstance(statements, list) or not statements:
        return ["must render a non-empty JSON list of statements"]
    problems: list[str] = []
    for index, statement in enumerate(statements):
        problems.extend(f"statement {index}: {p}" for p in _problems(statement, bucket_arn))
    return problems


def _problems(statement: Any, bucket_arn: str) -> list[str]:
    if not isinstance(statement, dict):
        return ["must be a JSON object"]
    unknown = sorted(set(statement) - STATEMENT_KEYS)
    if unknown:
        return [f"unknown keys {unknown}"]
    actions, resources = statement.get("Action"), statement.get("Resource")
    if not _strings(actions) or not _strings(resources):
        return ["Action and Resource must be non-empty lists of strings"]
    problems = []
    if not SID.match(str(statement.get("Sid", ""))):
        problems.append("Sid must be letters and digits")
    if statement.get("Effect") != "Allow":
        problems.append("Effect must be Allow (access is denied unless a template allows it)")
    problems.extend(_action_problems(actions, resources, bucket_arn))
    problems.extend(_condition_problems(statement.get("Condition", {}), actions))
    return problems


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _action_problems(actions: list[str], resources: list[str], bucket_arn: str) -> list[str]:
    unknown = [a for a in actions if a not in LIST_ACTIONS | OBJECT_ACTIONS]
    if unknown:
        return [f"action {unknown[0]!r} is not in the allow list of S3 folder actions"]
    if set(actions) <= LIST_ACTIONS:
        wrong = [r for r in resources if r != bucket_arn]
        return [f"list actions must name the bucket {bucket_arn!r}, not {r!r}" for r in wrong]
    if set(actions) & LIST_ACTIONS:
        return ["list actions and object actions need separate statements"]
    return [problem for r in resources if (problem := _object_resource_problem(r, bucket_arn))]


def _object_resource_problem(resource: str, bucket_arn: str) -> str | None:
    inside = resource.removeprefix(f"{bucket_arn}/")
    if inside == resource or not inside.endswith("/*"):
        return f"object resource {resource!r} must be {bucket_arn}/<prefix>/*"
    if _has_wildcard(inside[:-1]):
        return f"object resource {resource!r} has a wildcard before its trailing /*"
    return None


def _condition_problems(condition: Any, actions: list[str]) -> list[str]:
    if not isinstance(condition, dict):
        return ["Condition must be a JSON object"]
    keys = {key for block in condition.values() if isinstance(block, dict) for key in block}
    if "s3:prefix" not in keys:
        return []
    if not set(actions) <= LIST_ACTIONS:
        return ["s3:prefix conditions only list actions; object actions are scoped by Resource"]
    values = [v for block in condition.values() for v in _as_list(block.get("s3:prefix", []))]
    return [
        f"s3:prefix value {v!r} must be a folder ('fin/') or everything in one ('fin/*')"
        for v in values
        if not isinstance(v, str) or not _is_folder(v.removesuffix("*"))
    ]


def _is_folder(prefix: str) -> bool:
    return prefix.endswith("/") and prefix != "/" and not _has_wildcard(prefix)


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _has_wildcard(text: str) -> bool:
    return any(c in text.replace(IDENTITY_VARIABLE, "") for c in "*?${}")
