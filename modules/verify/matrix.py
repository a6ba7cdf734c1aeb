"""What verify expects, how it compares, how it reports: no AWS call here.

Expected comes from the access model (`received`: the role or, in tags mode, the union a
member of exactly these groups gets), observed from the probes; each cell is one capability
on one folder for one member set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from modules.access_model import PRIVATE_FOLDER, EnvironmentAccess, FolderGrant, grants_allow, received
from modules.policies.actions import CAPABILITY_NAMES

CALLER, ANOTHER = "<caller>", "<another identity>"
ANOTHER_FOLDER = f"private/{ANOTHER}/"
ACTIONS = {
    "list": "s3:ListBucket",
    "read": "s3:GetObject",
    "write": "s3:PutObject",
    "delete": "s3:DeleteObject",
}
READ_ONLY = ("list", "read")
PROBE_NAME = "probe.txt"  # under the run's own key in each folder

Cell = tuple[str, str]  # (folder, capability)


@dataclass(frozen=True)
class Location:
    folder: str  # as the report names it: `finance/`, `private/<identity id>/`, ANOTHER_FOLDER
    kind: str  # own | shared | private | another identity's private | other group's


@dataclass(frozen=True)
class Expected:
    members: tuple[str, ...]  # () : a user in no group
    credentials: bool
    allowed: frozenset[Cell]


@dataclass(frozen=True)
class Observed:
    members: tuple[str, ...]
    credentials: bool
    allowed: Mapping[Cell, bool]  # the cells probed; a cell left out was not probed
    note: str = ""  # why there were no credentials, as AWS said it


@dataclass(frozen=True)
class Row:
    location: Location
    cells: tuple[tuple[str, bool, bool | None], ...]  # (capability, expected, observed; None: not probed)


@dataclass(frozen=True)
class MemberResult:
    expected: Expected
    observed: Observed
    rows: tuple[Row, ...]
    mismatches: tuple[str, ...]


@dataclass(frozen=True)
class Verification:
    environment: str
    read_only: bool
    results: tuple[MemberResult, ...]

    @property
    def mismatches(self) -> tuple[str, ...]:
        return tuple(m for result in self.results for m in result.mismatches)


def member_sets(access: EnvironmentAccess) -> tuple[tuple[str, ...], ...]:
    """No group; each group; and the sets the report singles out: in token and rules mode the
    first two groups of the precedence order and each tie, in tags mode the union of all."""
    order = [str(role.group) for role in access.precedence_order]
    sets: list[tuple[str, ...]] = [(), *((name,) for name in sorted(order))]
    if access.role_mapping == "tags":
        sets += [tuple(sorted(order))] if len(order) > 1 else []
    else:
        sets += [tuple(order[:2])] if len(order) > 1 else []
        sets += [tie[:2] for tie in access.ties]
    return tuple(dict.fromkeys(sets))


def locations(access: EnvironmentAccess, members: Sequence[str]) -> tuple[Location, ...]:
    """Every group's folders, every shared folder, the caller's and another identity's private folder."""
    found = [
        Location(grant.prefix, "own" if role.group in members else "other group's")
        for role in access.roles
        for grant in role.grants
        if grant.prefix != PRIVATE_FOLDER and grant.prefix not in access.shared_prefixes
    ]
    found += [Location(prefix, "shared") for prefix in sorted(access.shared_prefixes)]
    if access.private_folders:
        found += [Location(PRIVATE_FOLDER, "private"), Location(ANOTHER_FOLDER, "another identity's private")]
    by_folder = {location.folder: location for location in found}
    return tuple(by_folder[folder] for folder in sorted(by_folder))


def folder_path(folder: str, identity_id: str, another_id: str) -> str:
    """The key prefix of `folder` for the caller `identity_id`."""
    return folder.replace(PRIVATE_FOLDER, f"private/{identity_id}/").replace(ANOTHER, another_id)


def probe_key(folder_prefix: str, run: str) -> str:
    """The one object a run writes in a folder: under a key of its own."""
    return f"{folder_prefix}groupfolders-verify-{run}/{PROBE_NAME}"


def expected(access: EnvironmentAccess, members: tuple[str, ...]) -> Expected:
    if members:
        found = received(access, members)
        credentials, grants = found.role is not None, found.folders
    else:
        credentials = access.no_group is not None
        grants = access.no_group.grants if access.no_group else ()
    return Expected(members, credentials, _allowed(access, members, grants))


def _allowed(
    access: EnvironmentAccess, members: tuple[str, ...], grants: Sequence[FolderGrant]
) -> frozenset[Cell]:
    cells = set()
    for location in locations(access, members):
        prefix = folder_path(location.folder, CALLER, ANOTHER)
        for capability in CAPABILITY_NAMES:
            path = prefix if capability == "list" else probe_key(prefix, "run")
            if grants_allow(grants, ACTIONS[capability], path, CALLER):
                cells.add((location.folder, capability))
    return frozenset(cells)


def compare(access: EnvironmentAccess, wanted: Expected, seen: Observed) -> MemberResult:
    label = _members(wanted.members)
    mismatches = []
    if wanted.credentials != seen.credentials:
        mismatches.append(
            f"{label}: credentials expected {_yes(wanted.credentials)}, observed {_yes(seen.credentials)}"
            + (f" ({seen.note})" if seen.note else "")
        )
    rows = []
    for location in locations(access, wanted.members):
        cells = []
        for capability in CAPABILITY_NAMES:
            cell = (location.folder, capability)
            want, got = cell in wanted.allowed, seen.allowed.get(cell)
            cells.append((capability, want, got))
            if got is not None and got != want:
                mismatches.append(
                    f"{label}: {capability} on {location.folder} ({location.kind}): "
                    f"expected {_verdict(want)}, observed {_verdict(got)}"
                )
        rows.append(Row(location, tuple(cells)))
    return MemberResult(wanted, seen, tuple(rows), tuple(mismatches))


def _members(members: tuple[str, ...]) -> str:
    return f"member of {' + '.join(members)}" if members else "user in no group"


def _members_markdown(members: tuple[str, ...]) -> str:
    return f"member of {' + '.join(map(_code, members))}" if members else "user in no group"


def _yes(value: bool) -> str:
    return "issued" if value else "refused"


def _verdict(value: bool) -> str:
    return "allowed" if value else "denied"


# --- reports


def _code(text: str) -> str:
    """Inline code in a Markdown table: no backtick or pipe can end it early."""
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`"


def _cell(want: bool, got: bool | None) -> str:
    if got is None:
        return "-"
    if want == got:
        return "✓" if got else "·"
    return f"**✗ {_verdict(got)}, expected {_verdict(want)}**"


def verification_markdown(verification: Verification) -> str:
    mode = "read-only: list and read" if verification.read_only else "list, read, write, delete"
    lines = [f"# Verify `{verification.environment}` ({mode})", ""]
    lines.append("✓ allowed as expected, · denied as expected, - not probed, ✗ mismatch")
    for result in verification.results:
        wanted, seen = result.expected, result.observed
        lines += ["", f"## {_members_markdown(wanted.members)}", ""]
        lines.append(
            f"credentials: expected {_yes(wanted.credentials)}, observed {_yes(seen.credentials)}"
            + (f" ({seen.note})" if seen.note else "")
        )
        lines += ["", "| folder | kind | " + " | ".join(CAPABILITY_NAMES) + " |"]
        lines.append("|---|---|" + ":-:|" * len(CAPABILITY_NAMES))
        for row in result.rows:
            cells = " | ".join(_cell(want, got) for _, want, got in row.cells)
            lines.append(f"| {_code(row.location.folder)} | {row.location.kind} | {cells} |")
    mismatches = verification.mismatches
    lines += ["", f"## {len(mismatches)} mismatch(es)", ""]
    lines += [f"- {_code(m)}" for m in mismatches] or ["Observed equals expected."]
    return "\n".join(lines) + "\n"


def verification_json(verification: Verification) -> str:
    data = {
        "environment": verification.environment,
        "read_only": verification.read_only,
        "member_sets": [
            {
                "members": list(result.expected.members),
                "credentials": {
                    "expected": result.expected.credentials,
                    "observed": result.observed.credentials,
                },
                "probes": [
                    {
                        "folder": row.location.folder,
                        "kind": row.location.kind,
                        "capability": capability,
                        "expected": want,
                        "observed": got,
                    }
                    for row in result.rows
                    for capability, want, got in row.cells
                ],
            }
            for result in verification.results
        ],
        "mismatches": list(verification.mismatches),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
