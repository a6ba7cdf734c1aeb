"""What a rendered statement list may contain: S3 access to one group's folders, nothing else."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modules.policies.actions import BY_NAME, LIST_ACTIONS, WHERE

STATEMENT_KEYS = frozenset({"Sid", "Effect", "Action", "Resource", "Condition"})
PREFIX_OPERATORS = frozenset({"StringLike", "StringEquals"})
# The only policy variable we emit: the caller's identity id, for private/<id>/.
IDENTITY_VARIABLE = "${cognito-identity.amazonaws.com:sub}"
SID = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class Scope:
    """What a template may name for one group: the bucket, its folders' objects and prefixes."""

    bucket_arn: str
    object_arns: tuple[str, ...]
    list_prefixes: tuple[str, ...]


def statement_problems(statements: Any, scope: Scope) -> list[str]:
    """Every reason why `statements` is not a policy confined to `scope`."""
    if not isinstance(statements, list) or not statements:
        return ["must render a non-empty JSON list of statements"]
    problems: list[str] = []
    for index, statement in enumerate(statements):
        problems.extend(f"statement {index}: {p}" for p in _problems(statement, scope))
    return problems + _repeated_sids(statements)


def _repeated_sids(statements: list[Any]) -> list[str]:
    """IAM accepts a repeated Sid, but Terraform's aws_iam_policy_document refuses it at plan."""
    first: dict[str, int] = {}
    problems = []
    for index, statement in enumerate(statements):
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if not isinstance(sid, str):
            continue
        if sid in first:
            problems.append(
                f"statement {index}: Sid {sid!r} repeats statement {first[sid]}; give each its own"
            )
        else:
            first[sid] = index
    return problems


def _problems(statement: Any, scope: Scope) -> list[str]:
    shape = _shape_problem(statement)
    if shape:
        return [shape]
    actions, resources, condition = statement["Action"], statement["Resource"], statement.get("Condition", {})
    problems = []
    if not SID.fullmatch(str(statement.get("Sid", ""))):
        problems.append("Sid must be letters and digits")
    if statement.get("Effect") != "Allow":
        problems.append("Effect must be Allow (access is denied unless a template allows it)")
    unknown = [a for a in actions if a not in BY_NAME]
    if unknown:
        problems.append(f"action {unknown[0]!r} is not in {WHERE}")
    elif set(actions) <= LIST_ACTIONS:
        problems += _list_problems(resources, condition, scope)
    elif set(actions) & LIST_ACTIONS:
        problems.append("list actions and object actions need separate statements")
    else:
        problems += _object_problems(resources, condition, scope)
    return problems


def _shape_problem(statement: Any) -> str | None:
    if not isinstance(statement, dict):
        return "must be a JSON object"
    unknown = sorted(set(statement) - STATEMENT_KEYS)
    if unknown:
        return f"unknown keys {unknown}"
    if not _strings(statement.get("Action")) or not _strings(statement.get("Resource")):
        return "Action and Resource must be non-empty lists of strings"
    if not _condition_shape(statement.get("Condition", {})):
        return "Condition must map operators to {key: [values]}"
    return None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _condition_shape(condition: Any) -> bool:
    return isinstance(condition, dict) and all(
        isinstance(block, dict) and all(isinstance(v, (str, list)) for v in block.values())
        for block in condition.values()
    )


def _prefix_values(condition: dict[str, Any]) -> list[tuple[str, Any]]:
    """(operator, values) of every s3:prefix test; IAM condition keys ignore case."""
    return [
        (operator, values)
        for operator, block in condition.items()
        for key, values in block.items()
        if key.lower() == "s3:prefix"
    ]


def _list_problems(resources: list[str], condition: dict[str, Any], scope: Scope) -> list[str]:
    problems = [
        f"list actions must name the bucket {scope.bucket_arn!r}, not {r!r}"
        for r in resources
        if r != scope.bucket_arn
    ]
    tests = _prefix_values(condition)
    if not tests or len(condition) != 1 or len(tests) != 1 or tests[0][0] not in PREFIX_OPERATORS:
        return [*problems, "list actions need exactly one StringLike (or StringEquals) s3:prefix condition"]
    values = tests[0][1] if isinstance(tests[0][1], list) else [tests[0][1]]
    outside = [v for v in values if v not in scope.list_prefixes]
    return problems + [f"s3:prefix value {v!r} is not one of the group's folders" for v in outside]


def _object_problems(resources: list[str], condition: dict[str, Any], scope: Scope) -> list[str]:
    problems = [
        f"object resource {r!r} is not one of the group's folders ({', '.join(scope.object_arns)})"
        for r in resources
        if r not in scope.object_arns
    ]
    if _prefix_values(condition):
        problems.append("s3:prefix conditions only list actions; object actions are scoped by Resource")
    return problems
