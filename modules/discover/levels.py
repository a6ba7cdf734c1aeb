"""A group role's policy → the access level whose rendered policy it is, exactly.

The candidates are what groupfolders itself would emit for the group's folder `<name>/`
(`group_policy`, every level of the templates, with and without the private folder), so a
role matches a level only if groupfolders would grant the same. Statements compare without
their Sid and without regard to the order of statements, actions, resources or values.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.policies.documents import RoleScope, group_policy
from modules.policies.templates import access_levels

SAFEST_LEVEL = "list"  # sees the folder's names, reads and changes nothing


@dataclass(frozen=True)
class Inference:
    level: str
    matched: bool
    private_folder: bool  # the role also grants the caller's private folder, as ours do
    reason: str  # what was found, for the YAML's comment


@dataclass(frozen=True)
class Bucket:
    arn: str
    versioned: bool
    region: str
    key_arn: str | None


def infer_level(
    group: str, statements: tuple[dict[str, Any], ...], bucket: Bucket, templates: Path
) -> Inference:
    found = Counter(_canonical(statement) for statement in statements)
    candidates = [
        (level, private, Counter(_canonical(s) for s in _rendered(group, level, private, bucket, templates)))
        for level in access_levels(templates)
        for private in (True, False)
    ]
    for level, private, expected in candidates:
        if expected == found:
            return Inference(level, True, private, f"its policy is exactly access level {level}")
    level, private, expected = min(
        candidates, key=lambda c: (sum(((c[2] - found) + (found - c[2])).values()), c[0], not c[1])
    )
    beyond, lacking = found - expected, expected - found
    differences = [text for text in (_summary(beyond, "beyond it"), _summary(lacking, "lacking")) if text]
    reason = (
        f"its policy ({len(statements)} statements) is no access level exactly; the closest is {level}"
        f"{' with the private folder' if private else ''}; {'; '.join(differences)}"
    )
    return Inference(SAFEST_LEVEL, False, False, reason)


def _rendered(group: str, level: str, private: bool, bucket: Bucket, templates: Path) -> list[dict[str, Any]]:
    scope = RoleScope(bucket.arn, bucket.versioned, bucket.region, bucket.key_arn, private, templates)
    return group_policy(level, (f"{group}/",), scope)["Statement"]


def _canonical(statement: dict[str, Any]) -> str:
    """A statement as IAM reads it: no Sid, single values as lists, lists as sets."""
    return json.dumps({k: _values(v) for k, v in statement.items() if k != "Sid"}, sort_keys=True)


def _values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return sorted({v if isinstance(v, str) else json.dumps(_values(v), sort_keys=True) for v in value})
    return [value] if isinstance(value, str) else value


def _summary(statements: Counter[str], what: str) -> str:
    if not statements:
        return ""
    described = [_described(json.loads(text)) for text in sorted(statements.elements())]
    return f"{what}: {'; '.join(described)}"


def _described(statement: dict[str, Any]) -> str:
    """`Allow s3:GetObject on arn:aws:s3:::b/x/*` (conditions noted, not spelled out)."""
    actions = ", ".join(statement.get("Action", statement.get("NotAction", [])))
    resources = ", ".join(statement.get("Resource", statement.get("NotResource", [])))
    effect = "".join(statement.get("Effect", []))
    condition = " with a condition" if "Condition" in statement else ""
    return f"{effect} {actions} on {resources}{condition}"
