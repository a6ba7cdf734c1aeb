"""The access report (Markdown for people, JSON for machines) and its base → head diff."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from modules.access_model import (
    PRIVATE_FOLDER,
    UNLISTED_FOLDER,
    EnvironmentAccess,
    RoleAccess,
    SharedFolderAccess,
    received,
)
from modules.config.model import ANY_ORIGIN
from modules.group_sets import SetGain, unblocked
from modules.markdown import code
from modules.policies.actions import CAPABILITY_NAMES

TEMPLATE_DIRECTORY = Path(__file__).resolve().parents[1] / "templates" / "report"
NO_GROUP = "(no group)"
# Mermaid (rendered by GitHub in ```mermaid blocks): node ids are hashes, labels are quoted, and
# every character outside this set is written as an entity code (`#34;` for `"`).
MERMAID_SAFE = re.compile(r"[A-Za-z0-9 _.,:/()'!+*-]")
# Widened last: a node both widened and narrowed shows as widened (the later class wins).
EDGE_STYLES = {"narrowed": "stroke:#6a737d,stroke-dasharray:4", "widened": "stroke:#d73a49,stroke-width:3px"}
NODE_STYLES = {
    "narrowed": "stroke:#6a737d,stroke-dasharray:4",
    "widened": "stroke:#d73a49,stroke-width:3px,color:#d73a49",
}
CHANGE_STYLES = {"added": "widened", "widened": "widened", "removed": "narrowed", "narrowed": "narrowed"}
# Mermaid's defaults (maxEdges, maxTextSize; https://mermaid.js.org/config/schema-docs/config.html):
# past either, GitHub shows an error instead of a chart.
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000
# The order of the counts and of the lines of each environment: what is lost first.
KINDS = ("data loss", "widened", "narrowed", "added", "removed", "changed")
# A list longer than this is folded into <details>; a folded list of pairs shows this many.
FOLD_AFTER = 8
PAIRS_SHOWN = 100
VERBS = {"added": "gains", "widened": "gains", "removed": "loses", "narrowed": "loses"}


@dataclass(frozen=True)
class Change:
    """One difference in who can do what, phrased for a pull-request comment."""

    environment: str
    subject: str  # a group, NO_GROUP, or "" for the environment as a whole
    kind: str  # added | removed | widened | narrowed | changed | data loss
    prefix: str
    capabilities: tuple[str, ...]
    detail: str = ""  # Markdown: each value from configuration as inline code (modules.markdown)
    # Pair widenings: the two groups, and what every such pair of the environment that gains the
    # same capabilities has in common (Markdown), told once for all of them (`_pair_lines`).
    groups: tuple[str, ...] = ()
    together: str = ""


@cache
def _templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIRECTORY),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - Markdown, not HTML: every value goes through `| code`
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["code"] = code
    return environment


def access_report(accesses: Sequence[EnvironmentAccess], output: str) -> str:
    """The access matrix, Markdown (`md`) or JSON."""
    return access_markdown(accesses) if output == "md" else _json_text(access_json(accesses))


def changes_report(found: Sequence[Change], output: str) -> str:
    """Only what changed since a base, for a pull request."""
    return changes_markdown(found) if output == "md" else _json_text(changes_json(found))


def _json_text(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def access_markdown(accesses: Sequence[EnvironmentAccess]) -> str:
    return (
        _templates()
        .get_template("access.md.j2")
        .render(environments=accesses, capabilities=CAPABILITY_NAMES, diagram=access_diagram)
    )


@dataclass(frozen=True)
class Edge:
    """Who (a group, or groups together) reaches which folder, and how; `style` highlights it."""

    subject: str
    folder: str
    label: str
    style: str = ""  # "" | widened | narrowed


def access_diagram(access: EnvironmentAccess) -> str:
    """Groups → folders, each edge labelled with its capabilities (a fenced Mermaid chart)."""
    roles = [*access.roles, *([access.no_group] if access.no_group else [])]
    return chart(
        [
            Edge(role.group or NO_GROUP, grant.prefix, ", ".join(grant.capabilities))
            for role in roles
            for grant in role.grants
        ]
    )


def changes_diagram(found: Sequence[Change]) -> str:
    """What changed on which folder, widenings highlighted; "" when no change names a folder."""
    edges = [
        Edge(change.subject, change.prefix, f"{change.kind}: {', '.join(change.capabilities)}", style)
        for change in found
        if change.prefix and change.capabilities
        for style in (CHANGE_STYLES.get(change.kind, ""),)
    ]
    return chart(edges)


def chart(edges: Sequence[Edge]) -> str:
    """A fenced Mermaid chart of `edges`, or a note where Mermaid would refuse it; "" for none.

    The private folder is left out: every role grants it (the report says so in words), and an
    edge to it from every group would outnumber the rest."""
    shown = list(dict.fromkeys(edge for edge in edges if edge.folder != PRIVATE_FOLDER))
    if not shown:
        return ""
    if len(shown) > MERMAID_MAX_EDGES:
        return f"_No chart: its {len(shown):,} edges exceed the {MERMAID_MAX_EDGES} that Mermaid draws._\n"
    text = mermaid(shown)
    if len(text) > MERMAID_MAX_TEXT:
        return (
            f"_No chart: its {len(text):,} characters exceed the {MERMAID_MAX_TEXT:,} that Mermaid draws._\n"
        )
    return f"```mermaid\n{text}```\n"


def mermaid(edges: Sequence[Edge]) -> str:
    lines = ["flowchart LR"]
    declared: set[str] = set()

    def node(kind: str, name: str) -> str:
        node_id = f"{kind}_{hashlib.sha256(f'{kind}:{name}'.encode()).hexdigest()[:10]}"
        if node_id in declared:
            return node_id
        declared.add(node_id)
        return f'{node_id}["{mermaid_text(name)}"]'

    styled: dict[str, tuple[set[str], list[int]]] = {style: (set(), []) for style in EDGE_STYLES}
    for index, edge in enumerate(edges):
        source, target = node("g", edge.subject), node("f", edge.folder)
        lines.append(f'  {source} -->|"{mermaid_text(edge.label)}"| {target}')
        if edge.style:
            nodes, links = styled[edge.style]
            nodes.update(part.split("[")[0] for part in (source, target))
            links.append(index)
    for style, (nodes, links) in styled.items():
        if links:
            lines.append(f"  classDef {style} {NODE_STYLES[style]}")
            lines.append(f"  class {','.join(sorted(nodes))} {style}")
            lines.append(f"  linkStyle {','.join(map(str, links))} {EDGE_STYLES[style]}")
    return "\n".join(lines) + "\n"


def mermaid_text(text: str) -> str:
    """`text` for a quoted Mermaid label: quotes, `<>`, `|`, `#` and the like as entity codes."""
    return "".join(c if MERMAID_SAFE.fullmatch(c) else f"#{ord(c)};" for c in text)


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
            "unlisted_groups": _unlisted_json(access),
            "shared_folders": [
                {
                    "prefix": folder.prefix,
                    "groups": [
                        {"group": g.group, "access": g.level, "capabilities": list(g.capabilities)}
                        for g in folder.grants
                    ],
                }
                for folder in access.shared_folders
            ],
        }
        for access in accesses
    ]


def _unlisted_json(access: EnvironmentAccess) -> dict[str, Any] | None:
    unlisted = access.unlisted
    if unlisted is None:
        return None
    return {
        "folder": UNLISTED_FOLDER,
        "access": unlisted.level,
        "capabilities": list(unlisted.capabilities),
        "listed": list(unlisted.listed),
        "reserved": list(unlisted.reserved),
    }


def _role_json(role: RoleAccess) -> dict[str, Any]:
    return {
        "group": role.group,
        "adopted": role.adopted,
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
    found += _adoptions(name, base, head)
    if base is None or head is None:
        return found
    found += _data_loss(name, base, head)
    old_order, new_order = _order(base), _order(head)
    # In tags mode every member gets the union: the order decides nothing.
    if old_order != new_order and head.role_mapping != "tags":
        found.append(_order_change(name, old_order, new_order))
    found += _several_groups_changes(name, base, head)
    found += _unlisted_room_changes(name, base, head)
    return found + _shared_folder_changes(name, base, head) + _setting_changes(name, base, head)


def _adoptions(name: str, base: EnvironmentAccess | None, head: EnvironmentAccess | None) -> list[Change]:
    """A group new to the environment and adopted: its members in the existing pool receive the
    group's role at the first apply, without anyone adding them, so it widens (a group the base
    already had is in Terraform's state, where an import changes nothing). An identity pool
    adopted by a new environment too (a changed one is the `identity pool` setting's)."""
    if head is None:
        return []
    before = {str(role.group) for role in base.roles} if base else set()
    found = [
        Change(
            name,
            str(role.group),
            "widened",
            "",
            (),
            f"group {code(str(role.group))} is adopted: the existing Cognito group is imported rather than "
            "created, and the members it has receive this role at the first apply",
        )
        for role in head.roles
        if role.adopted and str(role.group) not in before
    ]
    pool = dict(head.settings)["identity pool"]
    if base is None and pool.startswith("existing "):
        detail = (
            f"identity pool {code(pool.removeprefix('existing '))} is adopted: its one roles attachment "
            "becomes this environment's, for every app that already signs in through it"
        )
        found.append(Change(name, "", "widened", "", (), detail))
    return found


def _order_change(name: str, old: Sequence[str], new: Sequence[str]) -> Change:
    """The precedence order's change as insertions and moves, not the two whole orders."""
    steps = _order_steps(old, new)
    shown = (
        "; ".join(steps)
        if len(steps) <= FOLD_AFTER
        else f"{len(steps)} steps{_fold('the steps', steps, '; ')}"
    )
    detail = (
        f"users in several groups get the first of their groups in precedence order, which changes: {shown}"
    )
    return Change(name, "", "changed", "", (), detail)


def _fold(summary: str, items: Sequence[str], separator: str = ", ") -> str:
    """`items` in a <details> block that ends the list item it follows (Markdown)."""
    return f"\n  <details><summary>{summary}</summary>\n\n  {separator.join(items)}\n\n  </details>"


def _order_steps(old: Sequence[str], new: Sequence[str]) -> list[str]:
    """`newteam` after `team-299`; `a` now first; `old` leaves the order."""
    before, after = set(old), set(new)
    steps = []
    matcher = difflib.SequenceMatcher(a=list(old), b=list(new), autojunk=False)
    for tag, first, last, start, end in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            steps += [f"{code(group)} leaves the order" for group in old[first:last] if group not in after]
        if tag in ("replace", "insert"):
            for index in range(start, end):
                where = f"after {code(new[index - 1])}" if index else "first"
                steps.append(f"{code(new[index])} {'now ' if new[index] in before else ''}{where}")
    return steps


def _shared_folder_changes(name: str, base: EnvironmentAccess, head: EnvironmentAccess) -> list[Change]:
    """Per shared folder, who reaches it now; each group's gain or loss is its own change too."""
    before = {folder.prefix: _reached_by(folder) for folder in base.shared_folders}
    after = {folder.prefix: _reached_by(folder) for folder in head.shared_folders}
    return [
        Change(
            name,
            "",
            "changed",
            prefix,
            (),
            f"shared folder {code(prefix)}: {after.get(prefix, 'no longer shared')} "
            f"(was: {before.get(prefix, 'not shared')})",
        )
        for prefix in sorted(before.keys() | after.keys())
        if before.get(prefix) != after.get(prefix)
    ]


def _reached_by(folder: SharedFolderAccess) -> str:
    """`finance` `readwrite-nodelete`, `analysts` `read`: who reaches it, at which level."""
    return ", ".join(f"{code(grant.group)} {code(grant.level)}" for grant in folder.grants)


def _codes(values: Sequence[str]) -> str:
    return ", ".join(code(value) for value in values)


def _setting_changes(name: str, base: EnvironmentAccess, head: EnvironmentAccess) -> list[Change]:
    """A setting that lets more people or principals reach the folders (or the same folders of
    another bucket or key) is a widening; one that only takes reach away is a narrowing."""
    before = {**SETTINGS_WHEN_ABSENT, **dict(base.settings)}
    return [
        Change(
            name,
            "",
            _setting_direction(key, base, head),
            "",
            (),
            f"{key}: {code(value)} (was: {code(before[key]) if key in before else 'not set'})",
        )
        for key, value in head.settings
        if before.get(key) != value
    ]


# What a setting that a side does not have means there: token and rules have no unlisted
# groups, so a move to tags without the rule changes nothing about them.
SETTINGS_WHEN_ABSENT = {"unlisted groups": "off"}


# Settings whose every change is a widening: the same grants reach another bucket, key or
# user population, or users may now receive another role than before.
ALWAYS_WIDENING = frozenset({"bucket", "bucket encryption", "user pool", "identity pool", "role mapping"})


# Where the stack is deployed, not who reaches what: a change is shown, and neither widens nor narrows.
NEUTRAL = frozenset({"account", "deploy role"})


def _setting_direction(key: str, base: EnvironmentAccess, head: EnvironmentAccess) -> str:
    """Every setting has its direction declared; one without is a bug (test_setting_directions)."""
    if key in ALWAYS_WIDENING:
        return "widened"
    if key in NEUTRAL:
        return "changed"
    return SETTING_DIRECTIONS[key](base, head)


def _resolution(base: EnvironmentAccess, head: EnvironmentAccess) -> str:
    return "widened" if head.ambiguous_role_resolution == "AuthenticatedRole" else "narrowed"


def _slots(base: EnvironmentAccess, head: EnvironmentAccess) -> str:
    """tags: more folders per level lets members of several groups hold what overflowed before."""
    return "widened" if (base.folders_per_level or 0) < (head.folders_per_level or 0) else "narrowed"


def _cors(base: EnvironmentAccess, head: EnvironmentAccess) -> str:
    before, after = _origins(base), _origins(head)
    if ANY_ORIGIN in before ^ after:  # `*` stands for every origin
        return "widened" if ANY_ORIGIN in after else "narrowed"
    return _direction(before, after)


def _guard(base: EnvironmentAccess, head: EnvironmentAccess) -> str:
    before, after = base.folder_guard_exempt, head.folder_guard_exempt
    opened = after is None or (before is not None and not set(after) <= set(before))
    return "widened" if opened else "narrowed"


def _unlisted(base: EnvironmentAccess, head: EnvironmentAccess) -> str:
    """Turning the rule on, or a level that allows something more, gives folders to groups
    that reached nothing before."""
    before, after = base.unlisted, head.unlisted
    if after is None:
        return "narrowed"
    return "widened" if before is None or not set(after.actions) <= set(before.actions) else "narrowed"


def _reserve(base: EnvironmentAccess, head: EnvironmentAccess) -> str:
    """A folder or group name no longer reserved may now be taken by an unlisted group; the
    reserve appears with the rule itself, which is a widening."""
    before = _reserved(base)
    return "widened" if before is None or not before <= (_reserved(head) or set()) else "narrowed"


def _reserved(access: EnvironmentAccess) -> set[str] | None:
    if access.unlisted is None:
        return None
    return {*access.unlisted.reserved, *(f"{name} (group)" for name in access.unlisted.listed)}


SETTING_DIRECTIONS: dict[str, Callable[[EnvironmentAccess, EnvironmentAccess], str]] = {
    "ambiguous role resolution": _resolution,
    "folders per level": _slots,
    "cors origins": _cors,
    "folder guard": _guard,
    "unlisted groups": _unlisted,
    "unlisted groups reserve": _reserve,
}


def _origins(access: EnvironmentAccess) -> set[str]:
    value = dict(access.settings)["cors origins"]
    return set() if value == "none" else set(value.split(", "))


def _unlisted_room_changes(name: str, base: EnvironmentAccess, head: EnvironmentAccess) -> list[Change]:
    """A member of unlisted groups holds their folders only while every level of all their groups
    fits folders_per_level (the Lambda fails closed). A set's folders of a level shrink only where
    a listed group loses a folder there (or goes); with more slots, or the rule's folders at
    another level, every set has other room. Each is a widening of `<name>/` for such members."""
    if base.unlisted is None or head.unlisted is None:
        return []  # turning the rule on is a setting's widening, and off grants nothing
    level = code(head.unlisted.level)
    found: list[tuple[str, str]] = []
    if (head.folders_per_level or 0) > (base.folders_per_level or 0):
        found.append(("", "a member of groups the YAML does not list may hold more of their folders"))
    if base.unlisted.level != head.unlisted.level:
        found.append(("", f"the folders of groups the YAML does not list move to the slots of {level}"))
    for role in base.roles:
        group = str(role.group)
        now = dict(head.role(group).level_folders) if head.listed(group) else {}
        if any(set(folders) - set(now.get(lvl, ())) for lvl, folders in role.level_folders):
            found.append(
                (
                    group,
                    f"a member of {code(group)} and of groups the YAML does not list may now hold their "
                    f"folders at {level} where {code(group)}'s folders overflowed a level before",
                )
            )
    return [
        Change(name, subject, "widened", UNLISTED_FOLDER, head.unlisted.capabilities, detail)
        for subject, detail in found
    ]


def _several_groups_changes(name: str, base: EnvironmentAccess, head: EnvironmentAccess) -> list[Change]:
    """For a member of two groups, what the role they now receive grants beyond the old one.

    A member of any set of groups gets the role of its first group; if that changes, it
    changes for the two groups involved too, so pairs cover every set. Not so in tags mode,
    where a set may overflow although its pairs do not: there every set counts (group_sets).
    """
    if base.role_mapping == head.role_mapping == "tags":
        gains = unblocked(base, head)
        return [change for found in gains for change in _set_gain_changes(name, base, head, found)]
    common = sorted({r.group for r in base.roles} & {r.group for r in head.roles}, key=str)
    found = []
    for index, first in enumerate(common):
        for second in common[index + 1 :]:
            pair = (str(first), str(second))
            was, now = _pair_view(base, pair), _pair_view(head, pair)
            if was.decides == now.decides:
                continue
            who = f"a member of {code(pair[0])} and {code(pair[1])}"
            together = _pair_wording(was.general, now.general)
            detail = f"{who} {_pair_wording(was.label, now.label)}"
            found += [
                Change(name, ", ".join(pair), "widened", prefix, _ordered(set(caps)), detail, pair, together)
                for prefix, caps in _by_prefix(now.grants - was.grants)
            ]
    return found


def _pair_wording(was: str, now: str) -> str:
    """What a member of two groups gets now, and what it got before only when that differs."""
    if was != now:
        return f"now gets {now} (was: {was})"
    return (
        "now gets the role of the other of the two"
        if now == ONE_OF_THE_TWO
        else f"now gets more through {now}"
    )


def _set_gain_changes(
    name: str, base: EnvironmentAccess, head: EnvironmentAccess, found: SetGain
) -> list[Change]:
    """tags: what members of a set of groups gain because its folders no longer overflow."""
    groups = _listed(found.groups)
    if found.exact:
        removed = [group for group in found.groups if group not in {str(r.group) for r in head.roles}]
        gone = f" ({_listed(removed)} removed)" if removed else ""
        was = _only_private(base.folders_per_level, received(base, found.groups).overflow)
        detail = f"a member of {groups}{gone} now gets the union of their folders (was: {was})"
    else:
        detail = (
            f"members of {found.at_least} or more of {groups} may gain the union of their folders "
            f"(was: only the private folder, their folders of one level exceeding folders_per_level "
            f"{base.folders_per_level}); too many sets of these groups to check each"
        )
    return [
        Change(name, ", ".join(found.groups), "widened", prefix, _ordered(set(caps)), detail)
        for prefix, caps in _by_prefix(set(found.gained))
    ]


def _listed(names: Sequence[str]) -> str:
    """`a` and `b`; `a`, `b` and `c`."""
    quoted = [code(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _only_private(folders_per_level: int | None, overflow: Sequence[tuple[str, int]]) -> str:
    over = _codes([level for level, _ in overflow])
    return f"only the private folder ({over} folders exceed folders_per_level {folders_per_level})"


ONE_OF_THE_TWO = "the role of one of the two"


@dataclass(frozen=True)
class PairView:
    """What a member of exactly two groups receives, for the diff."""

    decides: object  # what, when it changes, is the change
    label: str  # its words (Markdown)
    general: str  # its words where one statement tells many pairs (no group names)
    grants: set[tuple[str, str]]  # (folder, capability)


def _pair_view(access: EnvironmentAccess, pair: tuple[str, str]) -> PairView:
    """What a member of exactly these two groups receives (access_model.received). token and
    rules: one role, so a change of role is the change; tags: the folders of the union."""
    found = received(access, pair)
    if access.role_mapping != "tags":
        role = found.role
        general = ONE_OF_THE_TWO if role is not None and role.group else _label(role)
        return PairView(_label(role), _label(role), general, _grant_set(role))
    folders = {(grant.prefix, c) for grant in found.folders for c in grant.capabilities}
    if found.overflow:
        words = _only_private(access.folders_per_level, found.overflow)
        return PairView(frozenset(folders), words, words, folders)
    return PairView(frozenset(folders), "the union of their folders", "the union of their folders", folders)


def _label(role: RoleAccess | None) -> str:
    if role is None:
        return "no credentials"
    return f"the role of {code(role.group)}" if role.group else "the role of users in no group"


def _grant_set(role: RoleAccess | None) -> set[tuple[str, str]]:
    return set() if role is None else {(g.prefix, c) for g in role.grants for c in g.capabilities}


def _by_prefix(pairs: set[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    prefixes: dict[str, list[str]] = {}
    for prefix, capability in sorted(pairs):
        prefixes.setdefault(prefix, []).append(capability)
    return sorted(prefixes.items())


def _data_loss(name: str, base: EnvironmentAccess, head: EnvironmentAccess) -> list[Change]:
    """Changes that delete users, memberships or objects even when no access widens."""
    removed = sorted({str(r.group) for r in base.roles} - {str(r.group) for r in head.roles})
    found = [
        Change(
            name,
            group,
            "data loss",
            "",
            (),
            f"group {code(group)} is removed (or renamed): apply deletes its Cognito group and "
            "every membership in it",
        )
        for group in removed
    ]
    before, after = dict(base.settings), dict(head.settings)
    for key, what in (("user pool", "its users"), ("bucket", "its objects")):
        if before[key] != after[key] and before[key].startswith("new "):
            detail = (
                f"{key} {code(before[key].removeprefix('new '))} was created here and is no longer: "
                f"apply destroys it and {what} (was: {code(before[key])}; now: {code(after[key])})"
            )
            found.append(Change(name, "", "data loss", "", (), detail))
    lifecycle_before = dict(base.lifecycle)
    found += [
        Change(name, "", "data loss", "", (), f"{key}: {code(value)} (was: {code(lifecycle_before[key])})")
        for key, value in head.lifecycle
        if key in lifecycle_before and lifecycle_before[key] != value and value == "off"
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
            kind = _direction(set(old_actions), set(new_actions))
            who = "users in no group" if subject == NO_GROUP else f"group {code(subject)}"
            now, was = ", ".join(new_actions), ", ".join(old_actions)
            detail = f"{who}: actions on {code(prefix)}: {now} (was: {was})"
            found.append(Change(environment, subject, kind, "", (), detail))
    return found


def _direction(before: set[str], after: set[str]) -> str:
    """More of something that grants reach is a widening; only less of it, a narrowing."""
    if not after <= before:
        return "widened"
    return "narrowed" if after < before else "changed"


def _ordered(capabilities: set[str]) -> tuple[str, ...]:
    return tuple(c for c in CAPABILITY_NAMES if c in capabilities)


def changes_markdown(found: Sequence[Change]) -> str:
    """The counts per kind, then per environment (environments with equal changes together)
    one line per change, pair widenings that gain alike told in one line, and a chart."""
    return _templates().get_template("changes.md.j2").render(counts=_counts(found), sections=_sections(found))


@dataclass(frozen=True)
class Section:
    """Environments whose changes read alike, told once."""

    environments: tuple[str, ...]
    lines: tuple[str, ...]  # Markdown list items
    diagram: str


def _counts(found: Sequence[Change]) -> str:
    """`0 data loss, 2 widened, ...`: every kind that gates, then the other changes if any."""
    counts = Counter(change.kind for change in found)
    told = [f"{counts[kind]:,} {kind}" for kind in KINDS[:-1]]
    return ", ".join([*told, *([f"{counts['changed']:,} other"] if counts["changed"] else [])])


def _sections(found: Sequence[Change]) -> list[Section]:
    by_environment: dict[str, list[Change]] = {}
    for change in found:
        by_environment.setdefault(change.environment, []).append(change)
    alike: dict[tuple[tuple[str, ...], str], list[str]] = {}
    for environment, items in sorted(by_environment.items()):
        alike.setdefault((_lines(items), changes_diagram(items)), []).append(environment)
    return [Section(tuple(names), lines, diagram) for (lines, diagram), names in alike.items()]


def _lines(items: Sequence[Change]) -> tuple[str, ...]:
    """One line per change, what is lost first; changes told in the same words (pair
    widenings alike, a set's gains) in one line for all their folders."""
    alike: dict[tuple[str, ...], list[Change]] = {}
    for change in items:
        key = _alike(change)
        if key:
            alike.setdefault(key, []).append(change)
    told: list[tuple[str, str]] = []
    for change in items:
        group = alike.get(_alike(change), [change])
        if len(group) == 1:
            told.append((change.kind, _line(change)))
        elif group[0] is change:
            told.append((change.kind, _pair_line(group)))
    return tuple(text for _, text in sorted(told, key=lambda kind_text: KINDS.index(kind_text[0])))


def _alike(change: Change) -> tuple[str, ...]:
    """What changes told in one line share; () for a change told alone."""
    if change.together:
        return (change.kind, "pairs", change.together, *change.capabilities)
    if change.detail and change.prefix and change.capabilities:
        return (change.kind, "words", change.detail, *change.capabilities)
    return ()


def _line(change: Change) -> str:
    if change.kind == "changed":
        return change.detail
    if change.kind == "data loss" or not change.prefix:
        return f"**{change.kind}**: {change.detail}"
    caps = ", ".join(change.capabilities)
    if change.detail:
        return f"**{change.kind}**: {change.detail}: gains {caps} on {code(change.prefix)}"
    who = "users in no group" if change.subject == NO_GROUP else f"group {code(change.subject)}"
    return f"**{change.kind}**: {who} {VERBS[change.kind]} {caps} on {code(change.prefix)}"


def _pair_line(group: Sequence[Change]) -> str:
    """Changes with the same words and capabilities: one pair's or set's in its own words, else
    the groups, the number of pairs and the folders. Every group and folder is named; the
    pairs are listed up to PAIRS_SHOWN."""
    names = sorted({name for change in group for name in change.groups})
    pairs = list(dict.fromkeys(change.groups for change in group))
    folders = sorted({change.prefix for change in group})
    kind, caps = group[0].kind, ", ".join(group[0].capabilities)
    where = _codes(folders) if len(folders) <= FOLD_AFTER else f"{len(folders)} folders"
    folded = (
        _fold(f"the {len(folders)} folders", [code(f) for f in folders]) if len(folders) > FOLD_AFTER else ""
    )
    if len(pairs) == 1:
        return f"**{kind}**: {group[0].detail}: gains {caps} on {where}{folded}"
    every = len(pairs) == len(names) * (len(names) - 1) // 2
    among = _listed(names) if len(names) <= FOLD_AFTER else f"these {len(names)} groups"
    who = f"any two of {among}" if every else f"one of {len(pairs):,} pairs of {among}"
    text = f"**{kind}**: a member of {who} {group[0].together}: gains {caps} on {where}"
    if len(names) > FOLD_AFTER:
        text += _fold(f"the {len(names)} groups", [code(name) for name in names])
    if not every:
        shown = [f"{code(first)} and {code(second)}" for first, second in pairs[:PAIRS_SHOWN]]
        left = len(pairs) - PAIRS_SHOWN
        more = [f"and {left:,} more (`report --format json` lists each)"] if left > 0 else []
        text += _fold(f"the {len(pairs):,} pairs", [*shown, *more], "; ")
    return text + folded


def changes_json(found: Sequence[Change]) -> list[dict[str, Any]]:
    return [asdict(change) for change in found]
