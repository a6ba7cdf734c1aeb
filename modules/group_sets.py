"""tags mode, for the diff: what members of several groups gain that no single group gains.

A member of a set S of groups gets the union of its groups' folders, unless one level's
folders of S exceed folders_per_level: then the Lambda fails closed and they get the private
folder only. So a set's access is not the union of its pairs', and a gain of S falls in one
of two kinds:
- S fits in base and in head: every folder S gains is one that one of its groups gains (one
  group always fits), which the diff reports for that group;
- S overflows in base and fits in head ("unblocked"): S gains its union. Only these are here.
Overflow grows with the set (a superset of an overflowing set overflows), so the sets that fit
in head are closed under taking subsets: the search below walks them and stops at the first
set that overflows in head. A member's groups are base groups (a group added in head grants
what the diff reports as added; a removed group's memberships go with it, so in head such a
member is in S's remaining groups). When the sets that fit are too many to walk, the answer
over-approximates: every group that could be in an unblocked set, with everything it grants.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from modules.access_model import PRIVATE_FOLDER, EnvironmentAccess, FolderGrant, received

# Sets of groups the search may visit before it answers by over-approximation instead.
SEARCH_BUDGET = 20_000

Gain = tuple[str, str]  # (folder, capability)


@dataclass(frozen=True)
class SetGain:
    """Members of `groups` (exact: exactly these; else: `at_least` or more of them) may gain
    `gained`, which they did not hold in base because their folders overflowed there."""

    groups: tuple[str, ...]
    gained: tuple[Gain, ...]
    exact: bool = True
    at_least: int = 0


def unblocked(base: EnvironmentAccess, head: EnvironmentAccess) -> tuple[SetGain, ...]:
    """Every folder some unblocked set gains, under the smallest such set (then by names)."""
    excess = {level: _excess(base, head, level) for role in base.roles for level, _ in role.level_folders}
    need = (base.folders_per_level or 0) + 1 - (head.folders_per_level or 0)
    if not any(sum(by_group.values()) >= need for by_group in excess.values()):
        return ()
    found = _search(base, head)
    if found is None:
        return _over_approximation(base, head, excess, need)
    by_set: dict[tuple[str, ...], list[Gain]] = {}
    for gain, groups in sorted(found.items()):
        by_set.setdefault(groups, []).append(gain)
    return tuple(SetGain(groups, tuple(gains)) for groups, gains in sorted(by_set.items()))


def _excess(base: EnvironmentAccess, head: EnvironmentAccess, level: str) -> dict[str, int]:
    """How many more folders of `level` each base group can add to a set in base than in head.

    A set that overflows a level in base (more than Kb folders) and fits it in head (at most
    Kh) holds Kb + 1 - Kh more of its folders in base than in head. A folder of the set in
    base but not in head is one that some member lost (holds in base, not in head); a folder
    in head that no base group held at that level, held by one member alone, is in head but
    not in base. So that difference is at most the sum over members of what each lost less
    what it alone newly holds, each counted from 0: a set below `need` cannot be unblocked."""
    before = {str(role.group): set(dict(role.level_folders).get(level, ())) for role in base.roles}
    after = {str(role.group): set(dict(role.level_folders).get(level, ())) for role in head.roles}
    held_before = set().union(*before.values())
    holders: dict[str, int] = {}
    for folders in after.values():
        for folder in folders:
            holders[folder] = holders.get(folder, 0) + 1
    excess = {}
    for group, folders in before.items():
        now = after.get(group, set())
        alone = {folder for folder in now - held_before if holders[folder] == 1}
        excess[group] = max(0, len(folders - now) - len(alone))
    return excess


def _search(base: EnvironmentAccess, head: EnvironmentAccess) -> dict[Gain, tuple[str, ...]] | None:
    """Each gain with its first witness (fewest groups, then names); None past the budget."""
    groups = sorted(str(role.group) for role in base.roles)
    best: dict[Gain, tuple[str, ...]] = {}
    pending: list[tuple[tuple[str, ...], int]] = [((), 0)]
    visited = 0
    while pending:
        current, start = pending.pop()
        for index in range(start, len(groups)):
            candidate = (*current, groups[index])
            visited += 1
            if visited > SEARCH_BUDGET:
                return None
            now = head_view(head, candidate)
            if now is None:
                continue  # overflows in head, and so does every superset
            was = received(base, candidate)
            if was.overflow:
                for gain in now - _gains(was.folders):
                    if gain not in best or (len(candidate), candidate) < (len(best[gain]), best[gain]):
                        best[gain] = candidate
            pending.append((candidate, index + 1))
    return best


def head_view(head: EnvironmentAccess, groups: Sequence[str]) -> set[Gain] | None:
    """What a member of `groups` (base groups) holds in head; None when their folders overflow."""
    remaining = [group for group in groups if group in {str(role.group) for role in head.roles}]
    if not remaining:
        return _gains(head.no_group.grants) if head.no_group else set()
    found = received(head, remaining)
    return None if found.overflow else _gains(found.folders)


def _gains(grants: Sequence[FolderGrant]) -> set[Gain]:
    return {(grant.prefix, capability) for grant in grants for capability in grant.capabilities}


def _over_approximation(
    base: EnvironmentAccess, head: EnvironmentAccess, excess: dict[str, dict[str, int]], need: int
) -> tuple[SetGain, ...]:
    """A group can be in an unblocked set S only with groups it fits with in head (S fits, so
    every pair of S does), and only if those together overflow a level in base and could
    unblock it (`_excess`)."""
    groups = [str(role.group) for role in base.roles]
    candidates = []
    for group in groups:
        fitting = [other for other in groups if head_view(head, (group, other)) is not None]
        levels = [level for level, _ in received(base, fitting).overflow] if fitting else []
        if any(sum(excess[level][other] for other in fitting) >= need for level in levels):
            candidates.append(group)
    if not candidates:
        return ()
    private = _private(base)
    gained: set[Gain] = set()
    for group in candidates:
        gained |= (head_view(head, (group,)) or set()) - private
    return (SetGain(tuple(candidates), tuple(sorted(gained)), False, _fewest(base, candidates)),)


def _private(base: EnvironmentAccess) -> set[Gain]:
    """What a member of an overflowing set holds in base (access_model.received)."""
    return {gain for gain in _gains(base.roles[0].grants) if gain[0] == PRIVATE_FOLDER}


def _fewest(base: EnvironmentAccess, groups: Sequence[str]) -> int:
    """A lower bound on how many groups overflow a level in base: the largest first."""
    slots = base.folders_per_level or 0
    by_level: dict[str, list[int]] = {}
    for group in groups:
        for level, folders in base.role(group).level_folders:
            by_level.setdefault(level, []).append(len(folders))
    bounds = []
    for sizes in by_level.values():
        total = 0
        for count, size in enumerate(sorted(sizes, reverse=True), start=1):
            total += size
            if total > slots:
                bounds.append(count)
                break
    return max(2, min(bounds, default=2))
