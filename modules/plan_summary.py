"""A Markdown summary of a Terraform plan (`terraform show -json PLAN`), for a pull-request comment.

The input is Terraform's documented JSON plan representation
(https://developer.hashicorp.com/terraform/internals/json-format, "Plan Representation" and
"Change Representation"): `resource_changes[].change.actions` is one of ["no-op"], ["create"],
["read"], ["update"], ["delete"], ["delete", "create"] or ["create", "delete"] (a replacement,
destroy-before-create or create-before-destroy) and, since Terraform 1.7, ["forget"] (a `removed`
block: dropped from state, kept in AWS). Since Terraform 1.5 a change that brings an existing object
into state (an `import` block) carries `change.importing` (`{"id": ...}`), with ["no-op"] or the
update that follows it. Plain Python: no cdktf, no Terraform needed.
"""

from __future__ import annotations

import reprlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules import bounded_json
from modules.markdown import code

# The kind of each documented action list; "noop" and "read" change nothing in AWS.
KINDS: Mapping[tuple[str, ...], str] = {
    ("create",): "add",
    ("update",): "change",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("delete",): "destroy",
    ("forget",): "forget",
    ("no-op",): "noop",
    ("read",): "read",
}
COUNTED = ("add", "change", "replace", "destroy", "forget")

# What is lost when one of these is destroyed or replaced: called out before anything else.
AT_RISK: Mapping[str, str] = {
    "aws_cognito_user_pool": (
        "a user pool that is deleted takes every user with it (passwords, attributes, MFA); "
        "a replacement starts empty and has a new id"
    ),
    "aws_cognito_user_group": (
        "deleting a group (renaming one replaces it) deletes every membership: its members lose "
        "the group's role and folders until they are added to the new group"
    ),
    "aws_cognito_identity_pool": (
        "a replaced identity pool gives every user a new identity id, and with it an empty "
        "`private/<identity id>/` folder (the old ones stay, out of reach); adopting a pool with a "
        "developer provider name plans this, since Terraform cannot remove that name in place"
    ),
    "aws_s3_bucket": (
        "a bucket is deleted with its objects and their versions when `force_destroy` is set; "
        "otherwise the apply fails on a non-empty bucket"
    ),
}
SUPPORTED_FORMAT_MAJORS = ("0", "1")
# A table of more rows than this is folded into <details>; one that would pass SUMMARY_LIMIT
# characters stops there and says how many rows it leaves out (the sticky comment holds
# 65,536 characters for every section and environment together).
FOLD_AFTER = 20
SUMMARY_LIMIT = 15_000


class PlanError(Exception):
    """The file is not a readable Terraform JSON plan: one line for the user, exit 2."""


@dataclass(frozen=True)
class Change:
    address: str
    resource_type: str
    kind: str
    importing: bool = False  # an existing object is imported (adopted) before `kind` applies to it


def load_plan(path: Path) -> tuple[Change, ...]:
    """The resource changes of the plan in `path`; PlanError when it is not a JSON plan."""
    try:
        plan = bounded_json.loads(path.read_text())
    except OSError as error:
        raise PlanError(f"{path}: cannot read: {error.strerror}") from error
    except ValueError as error:  # not JSON, not UTF-8, too deep, a number of more than 4,300 digits
        raise PlanError(f"{path}: not JSON ({error})") from error
    return changes(plan, str(path))


def changes(plan: Any, source: str) -> tuple[Change, ...]:
    if not isinstance(plan, dict) or "planned_values" not in plan:
        raise PlanError(
            f"{source}: not a Terraform plan (expected the output of `terraform show -json PLAN`)"
        )
    version = str(plan.get("format_version", ""))
    if version.split(".", maxsplit=1)[0] not in SUPPORTED_FORMAT_MAJORS:
        raise PlanError(f"{source}: unsupported plan format_version {version!r} (supported: 0.x, 1.x)")
    entries = plan.get("resource_changes", [])
    if not isinstance(entries, list):
        raise PlanError(f"{source}: resource_changes is not a list")
    return tuple(_change(entry, index, source) for index, entry in enumerate(entries))


def _change(entry: Any, index: int, source: str) -> Change:
    """One entry of resource_changes, of the documented shape: strings where strings belong."""
    where = f"{source}: resource_changes[{index}]"
    change = entry.get("change") if isinstance(entry, dict) else None
    if not isinstance(change, dict) or not all(
        key in found for found, key in ((entry, "address"), (entry, "type"), (change, "actions"))
    ):
        raise PlanError(f"{where} lacks address, type or change.actions")
    address, resource_type, actions = entry["address"], entry["type"], change["actions"]
    if not isinstance(address, str) or not isinstance(resource_type, str):
        raise PlanError(f"{where}: address and type must be strings")
    shown = address if address.isprintable() else repr(address)  # an error is one line
    if not isinstance(actions, list) or not all(isinstance(action, str) for action in actions):
        what = reprlib.repr(actions)
        raise PlanError(f"{where} ({shown}): change.actions must be a list of action names, not {what}")
    if tuple(actions) not in KINDS:
        raise PlanError(f"{where} ({shown}): unknown actions {actions}")
    return Change(address, resource_type, KINDS[tuple(actions)], change.get("importing") is not None)


def summary(plan_changes: Sequence[Change], title: str) -> str:
    """Markdown: the counts (imports first, then as Terraform counts), then destroys and
    replacements that lose users, memberships or objects, then every change, imports first."""
    lines = [f"#### Terraform plan: {code(title)}", "", f"**{totals(plan_changes)}**", ""]
    risky = [c for c in plan_changes if c.kind in ("destroy", "replace") and c.resource_type in AT_RISK]
    if risky:
        lines += ["> [!CAUTION]", "> Data or memberships are lost on apply:"]
        lines += [f"> - **{c.kind}** {code(c.address)}: {AT_RISK[c.resource_type]}" for c in _ordered(risky)]
        lines.append("")
    shown = [c for c in plan_changes if c.kind in COUNTED or c.importing]
    if not shown:
        return "\n".join([*lines, "No changes."]) + "\n"
    return "\n".join([*lines, *_table(_ordered(shown), SUMMARY_LIMIT - len("\n".join(lines)))]) + "\n"


def totals(plan_changes: Sequence[Change]) -> str:
    """As Terraform counts (`Plan: 1 to import, 1 to add, 0 to change, 1 to destroy.`): imports
    only when there are any, a replacement is one add and one destroy, forgets only when there are
    any; the replacements said after."""
    counts = Counter(change.kind for change in plan_changes)
    imports = sum(change.importing for change in plan_changes)
    told = [
        *([f"{imports} to import"] if imports else []),
        f"{counts['add'] + counts['replace']} to add",
        f"{counts['change']} to change",
        f"{counts['destroy'] + counts['replace']} to destroy",
        *([f"{counts['forget']} to forget"] if counts["forget"] else []),
    ]
    replaced = f" ({counts['replace']} replaced: one add and one destroy each)" if counts["replace"] else ""
    return ", ".join(told) + replaced


def _table(rows: Sequence[Change], room: int) -> list[str]:
    """The table of `rows`, folded when long, cut to `room` characters with a line saying so."""
    lines = ["| action | resource |", "|---|---|"]
    used = sum(len(line) + 1 for line in lines) + 200  # the fold and the closing line
    for index, change in enumerate(rows):
        line = f"| {_action(change)} | {code(change.address)} |"
        used += len(line) + 1
        if used > room:
            lines.append(f"| … | {len(rows) - index} more (`terraform show PLAN` lists every one) |")
            break
        lines.append(line)
    if len(rows) <= FOLD_AFTER:
        return lines
    return [f"<details><summary>{len(rows)} resource changes</summary>", "", *lines, "", "</details>"]


def _action(change: Change) -> str:
    if not change.importing:
        return change.kind
    return "import" if change.kind == "noop" else f"import, then {change.kind}"


def _ordered(plan_changes: Sequence[Change]) -> list[Change]:
    """Imports first (what is adopted), then destroys, then replacements, then the rest; by
    address within a kind."""
    rank = {
        kind: index for index, kind in enumerate(("destroy", "replace", "forget", "change", "add", "noop"))
    }
    return sorted(plan_changes, key=lambda c: (not c.importing, rank[c.kind], c.address))
