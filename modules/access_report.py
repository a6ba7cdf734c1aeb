"""The access report (Markdown for people, JSON for machines) and its base → head diff."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from modules.access_model import EnvironmentAccess, RoleAccess, environment_access
from modules.config.model import Environment
from modules.policies.actions import CAPABILITY_NAMES

TEMPLATE_DIRECTORY = Path(__file__).resolve().parents[1] / "templates" / "report"
NO_GROUP = "(no group)"


@dataclass(frozen=True)
class Change:
    """One difference in who can do what, phrased for a pull-request comment."""

    environment: str
    subject: str  # a group, NO_GROUP, or "" for the environment as a whole
    kind: str  # added | removed | widened | narrowed | changed
    prefix: str
    capabilities: tuple[str, ...]
    detail: str = ""


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIRECTORY),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def report(head: Sequence[Environment], base: Sequence[Environment] | None, output: str) -> str:
    """The access matrix; or, with a base, only what changed since it (for a pull request)."""
    accesses = [environment_access(environment) for environment in head]
    if base is None:
        return access_markdown(accesses) if output == "md" else _json_text(access_json(accesses))
    found = changes([environment_access(environment) for environment in base], accesses)
    return changes_markdown(found) if output == "md" else _json_text(changes_json(found))


def _json_text(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def access_markdown(accesses: Sequence[EnvironmentAccess]) -> str:
    return (
        _templates().get_template("access.md.j2").render(environments=accesses, capabilities=CAPABILITY_NAMES)
    )


def access_json(accesses: Sequence[EnvironmentAccess]) -> list[dict[str, Any]]:
    return [
        {
            "environment": access.environment,
            "bucket": access.bucket,
            "roles": [_role_json(role) for role in access.roles],
            "users_without_group": _role_json(access.no_group) if access.no_group else None,
            "several_groups": [role.group for role in access.precedence_order],
            "equal_precedence": [list(tie) for tie in access.ties],
            "role_mapping": access.role_mapping,
            "ambiguous_role_resolution": access.ambiguous_role_resolution,
            "private_folders": access.private_folders,
            "settings": dict(access.settings),
        }
        for access in accesses
    ]


def _role_json(role: RoleAccess) -> dict[str, Any]:
    return {
        "group": role.group,
        "precedence": role.precedence,
        "access": role.level,
        "role": role.role_name,
        "folders": [
            {"prefix": g.prefix, "capabilities": list(g.capabilities), "actions": list(g.actions)}
            for g in role.grants
        ],
    }


def changes(base: Sequence[EnvironmentAccess], head: Sequence[EnvironmentAccess]) -> list[Change]:
    """Every difference from `base` to `head`, environments and groups in name order."""
    before = {access.environment: access for access in base}
    after = {access.environment: access for access in head}
    found: list[Change] = []
    for name in sorted(before.keys() | after.keys()):
        found.extend(_environment_changes(name, before.get(name), after.get(name)))
    return found


def _environment_changes(
    name: str, base: EnvironmentAccess | None, head: EnvironmentAccess | None
) -> list[Change]:
    old, new = _subjects(base), _subjects(head)
    found = [
        change
        for subject in sorted(old.keys() | new.keys())
        for change in _grant_changes(name, subject, old.get(subject, {}), new.get(subject, {}))
    ]
    if base is None or head is None:
        return found
    old_order, new_order = _order(base), _order(head)
    if old_order != new_order:
        detail = (
            f"users in several groups get the first of: {', '.join(new_order)} (was: {', '.join(old_order)})"
        )
        found.append(Change(name, "", "changed", "", (), detail))
    before = dict(base.settings)
    found += [
        Change(name, "", "changed", "", (), f"{key}: {value} (was: {before.get(key)})")
        for key, value in head.settings
        if before.get(key) != value
    ]
    return found


Grants = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # prefix → (capabilities, actions)


def _subjects(access: EnvironmentAccess | None) -> dict[str, Grants]:
    if access is None:
        return {}
    roles = [*access.roles, *([access.no_group] if access.no_group else [])]
    return {
        role.group or NO_GROUP: {g.prefix: (g.capabilities, g.actions) for g in role.grants} for role in roles
    }


def _order(access: EnvironmentAccess) -> list[str]:
    return [str(role.group) for role in access.precedence_order]


def _grant_changes(environment: str, subject: str, old: Grants, new: Grants) -> list[Change]:
    found = []
    for prefix in sorted(old.keys() | new.keys()):
        (before, old_actions), (after, new_actions) = old.get(prefix, ((), ())), new.get(prefix, ((), ()))
        gained, lost = _ordered(set(after) - set(before)), _ordered(set(before) - set(after))
        if not before:
            found.append(Change(environment, subject, "added", prefix, gained))
        elif not after:
            found.append(Change(environment, subject, "removed", prefix, lost))
        elif gained or lost:
            found.extend(
                Change(environment, subject, kind, prefix, caps)
                for kind, caps in (("widened", gained), ("narrowed", lost))
                if caps
            )
        elif old_actions != new_actions:  # e.g. version actions when a bucket's versioning changes
            detail = f"actions on `{prefix}`: {', '.join(new_actions)} (was: {', '.join(old_actions)})"
            found.append(Change(environment, subject, "changed", prefix, (), detail))
    return found


def _ordered(capabilities: set[str]) -> tuple[str, ...]:
    return tuple(c for c in CAPABILITY_NAMES if c in capabilities)


def changes_markdown(found: Sequence[Change]) -> str:
    return _templates().get_template("changes.md.j2").render(changes=found)


def changes_json(found: Sequence[Change]) -> list[dict[str, Any]]:
    return [asdict(change) for change in found]
