"""tags mode: the diff is sound for every set of groups a user can be in, not only pairs.

The oracle is the pre-token Lambda itself (templates/lambda, its folder_claims with the data
the stack writes to grants.json): for every set of groups, in base and in head, its claims
say which folders a member holds at which level, and the level's capabilities follow. What
some set gains from base to head must be what the diff reports as widened or added.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from itertools import combinations
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modules import group_sets
from modules.access_model import PRIVATE_FOLDER, EnvironmentAccess, environment_access
from modules.access_report import changes
from modules.config.model import Environment
from modules.errors import ConfigError
from modules.policies.principal_tags import UNUSED_SLOT, lambda_data
from modules.validation import load_valid_environments
from tests.conftest import PROJECT
from tests.lambda_handler import template_handler

NAMES = ("a", "b", "c", "d")
LEVELS = ("list", "read", "write")
HANDLER = template_handler()

Gain = tuple[str, str]


def environment_text(groups: dict[str, tuple[str, int]], shared: dict[str, str], slots: int) -> str:
    """`groups`: name → (level, how many folders of its own); `shared`: group → level of s/
    (only for groups that exist)."""
    shared = {group: level for group, level in shared.items() if group in groups}
    lines = [
        "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\nbucket: {name: demo-bucket}\n",
        f"identity_pool: {{role_mapping: tags, folders_per_level: {slots}}}\ngroups:\n",
    ]
    for index, (name, (level, count)) in enumerate(sorted(groups.items())):
        folders = ", ".join(f"{name}{n}/" for n in range(count))
        lines.append(f"  - {{name: {name}, access: {level}, precedence: {index}, prefixes: [{folders}]}}\n")
    if shared:
        access = ", ".join(f"{group}: {level}" for group, level in sorted(shared.items()))
        lines.append(f"shared_folders: [{{prefix: s/, access: {{{access}}}}}]\n")
    return "".join(lines)


def load(text: str) -> Environment | None:
    """The environment, or None when validation refuses it (the diff only sees valid ones)."""
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "e.yaml").write_text(text)
        try:
            (environment,) = load_valid_environments(Path(directory))
        except ConfigError:
            return None
    return environment


def level_capabilities(access: EnvironmentAccess) -> dict[str, set[str]]:
    """Each level's capabilities on a folder, as the groups' own grants show them."""
    found: dict[str, set[str]] = {}
    for role in access.roles:
        by_prefix = {grant.prefix: grant.capabilities for grant in role.grants}
        for level, folders in role.level_folders:
            for folder in folders:
                found.setdefault(level, set()).update(by_prefix[folder])
    return found


def lambda_holds(environment: Environment, access: EnvironmentAccess, groups: tuple[str, ...]) -> set[Gain]:
    """What a member of `groups` (this side's) holds, from the Lambda's claims."""
    if not groups:
        return {
            (g.prefix, c) for g in (access.no_group.grants if access.no_group else ()) for c in g.capabilities
        }
    capabilities = level_capabilities(access)
    claims = HANDLER.folder_claims(list(groups), lambda_data(environment), "u")
    private = {
        (g.prefix, c) for g in access.roles[0].grants if g.prefix == PRIVATE_FOLDER for c in g.capabilities
    }
    folders = {
        (folder, capability)
        for key, folder in claims.items()
        if folder != UNUSED_SLOT
        for capability in capabilities[key.rpartition(".")[0]]
    }
    return private | folders


def true_gains(base: Environment, head: Environment) -> set[Gain]:
    """Over every set of groups (of base or head): what its members hold in head but not in base."""
    return lambda_gains(base, head, environment_access(base), environment_access(head))


def lambda_gains(
    base: Environment, head: Environment, before: EnvironmentAccess, after: EnvironmentAccess
) -> set[Gain]:
    in_base, in_head = {g.name for g in base.groups}, {g.name for g in head.groups}
    names = sorted(in_base | in_head)
    found: set[Gain] = set()
    for size in range(len(names) + 1):
        for groups in combinations(names, size):
            was = lambda_holds(base, before, tuple(g for g in groups if g in in_base))
            now = lambda_holds(head, after, tuple(g for g in groups if g in in_head))
            found |= now - was
    return found


def reported_gains(before: EnvironmentAccess, after: EnvironmentAccess) -> set[Gain]:
    found = changes([before], [after])
    return {
        (change.prefix, capability)
        for change in found
        if change.kind in {"widened", "added"} and change.prefix
        for capability in change.capabilities
    }


def without_private(gains: set[Gain]) -> set[Gain]:
    """A group added in head is reported with its private folder, which members held before."""
    return {gain for gain in gains if gain[0] != PRIVATE_FOLDER}


def side(slots: int) -> st.SearchStrategy[tuple[dict[str, tuple[str, int]], dict[str, str], int]]:
    """Groups with at most `slots` folders each; some of them share s/ at a level of their own."""
    groups = st.dictionaries(
        st.sampled_from(NAMES),
        st.tuples(st.sampled_from(LEVELS), st.integers(min_value=1, max_value=slots)),
        min_size=1,
        max_size=4,
    )
    shared = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(LEVELS), max_size=2)
    return st.tuples(groups, shared, st.just(slots))


sides = st.integers(min_value=1, max_value=3).flatmap(side)
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def valid_pair(base_side: tuple, head_side: tuple) -> tuple[Environment, Environment] | None:
    base, head = (load(environment_text(*side)) for side in (base_side, head_side))
    return None if base is None or head is None else (base, head)


@PROPERTY
@given(sides, sides)
def test_the_diff_reports_exactly_what_some_set_of_groups_gains(base_side, head_side):
    pair = valid_pair(base_side, head_side)
    if pair is None:
        return
    base, head = pair
    before, after = environment_access(base), environment_access(head)
    truth, reported = lambda_gains(base, head, before, after), reported_gains(before, after)
    assert truth <= reported, f"missed: {sorted(truth - reported)}"
    assert without_private(reported) == without_private(truth)


@PROPERTY
@given(sides, sides)
def test_past_the_search_budget_the_diff_over_approximates_and_misses_nothing(base_side, head_side):
    pair = valid_pair(base_side, head_side)
    if pair is None:
        return
    base, head = pair
    before, after = environment_access(base), environment_access(head)
    with mock.patch.object(group_sets, "SEARCH_BUDGET", 1):
        reported = reported_gains(before, after)
    truth = lambda_gains(base, head, before, after)
    assert truth <= reported, f"missed: {sorted(truth - reported)}"


# --- the reproduction


def three_groups(third: str) -> Environment:
    text = environment_text({"a": ("read", 1), "b": ("read", 1), "c": (third, 1)}, {}, 2)
    environment = load(text)
    assert environment is not None
    return environment


def test_a_member_of_three_groups_unblocked_is_a_widening():
    """folders_per_level 2, three groups of one read folder: a member of all three gets only
    their private folder; with the third at list, all three folders."""
    base, head = three_groups("read"), three_groups("list")
    found = changes([environment_access(base)], [environment_access(head)])
    widened = [change for change in found if change.kind == "widened"]
    detail = (
        "a member of `a`, `b` and `c` now gets the union of their folders (was: only the private folder "
        "(`read` folders exceed folders_per_level 2))"
    )
    assert [(c.subject, c.prefix, c.capabilities, c.detail) for c in widened] == [
        ("a, b, c", "a0/", ("list", "read"), detail),
        ("a, b, c", "b0/", ("list", "read"), detail),
        ("a, b, c", "c0/", ("list",), detail),
    ]
    assert true_gains(base, head) == {
        ("a0/", "list"),
        ("a0/", "read"),
        ("b0/", "list"),
        ("b0/", "read"),
        ("c0/", "list"),
    }
    back = changes([environment_access(head)], [environment_access(base)])
    # Back again: c reads c0/ (a widening of c alone); the three overflow, which only narrows.
    assert [(c.subject, c.kind, c.prefix, c.capabilities) for c in back] == [
        ("c", "widened", "c0/", ("read",))
    ]


def test_report_fails_on_the_widening_of_three_groups(tmp_path: Path):
    """The issue's reproduction through the command line: `--fail-on widened` exits 3."""
    for name, third in (("base", "read"), ("head", "list")):
        (tmp_path / name).mkdir()
        text = environment_text({"a": ("read", 1), "b": ("read", 1), "c": (third, 1)}, {}, 2)
        (tmp_path / name / "e.yaml").write_text(text)
    arguments = ["--environments", str(tmp_path / "head"), "--base-environments", str(tmp_path / "base")]
    result = subprocess.run(
        [sys.executable, "main.py", "report", *arguments, "--fail-on", "widened"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert (
        "- **widened**: a member of `a`, `b` and `c` now gets the union of their folders (was: only the "
        "private folder (`read` folders exceed folders_per_level 2)): gains list on `c0/`\n"
    ) in result.stdout
    # The same words and capabilities on two folders: one line.
    assert (
        "folders_per_level 2)): gains list, read on `a0/`, `b0/`\n- **widened**: a member of `a`, `b` and `c`"
    ) in result.stdout


def test_past_the_budget_the_words_say_may():
    base, head = three_groups("read"), three_groups("list")
    with mock.patch.object(group_sets, "SEARCH_BUDGET", 1):
        found = changes([environment_access(base)], [environment_access(head)])
    details = {change.detail for change in found if change.kind == "widened"}
    assert details == {
        "members of 3 or more of `a`, `b` and `c` may gain the union of their folders (was: only the "
        "private folder, their folders of one level exceeding folders_per_level 2); too many sets of "
        "these groups to check each"
    }


@pytest.mark.parametrize("budget", [group_sets.SEARCH_BUDGET, 1])
def test_no_set_gains_when_nothing_changes(budget: int):
    environment = three_groups("read")
    with mock.patch.object(group_sets, "SEARCH_BUDGET", budget):
        assert changes([environment_access(environment)], [environment_access(environment)]) == []


def many_groups(first: str = "read", folder: str = "g000/") -> Environment:
    """60 groups of one read folder (g00's at level `first`, named `folder`), 3 slots: too many
    sets fit to walk them all."""
    groups = {f"g{index:02}": ("read", 1) for index in range(1, 60)}
    text = environment_text({"g00": (first, 1), **groups}, {}, 3)
    environment = load(text.replace("prefixes: [g000/]", f"prefixes: [{folder}]"))
    assert environment is not None
    return environment


def test_a_set_unblocked_among_many_groups_is_reported_as_may_gain():
    base, head = many_groups(), many_groups(first="list")
    found = changes([environment_access(base)], [environment_access(head)])
    widened = [change for change in found if change.kind == "widened"]
    assert {change.prefix for change in widened} == {f"g{index:02}0/" for index in range(60)}
    for change in widened:
        assert change.detail.startswith("members of 4 or more of `g00`, `g01`, "), change.detail
        assert change.detail.endswith("too many sets of these groups to check each")


def test_a_renamed_folder_among_many_groups_unblocks_no_set():
    """g00's folder renamed: every set holds as many read folders as before, none is unblocked."""
    base, head = many_groups(), many_groups(folder="renamed/")
    found = changes([environment_access(base)], [environment_access(head)])
    assert [(change.subject, change.kind, change.prefix) for change in found] == [
        ("g00", "removed", "g000/"),
        ("g00", "added", "renamed/"),
    ]


def test_a_new_folder_of_two_groups_does_not_hide_what_they_lost():
    """a and b each give up a read folder and share s/ instead: together they hold three read
    folders, no longer four, and fit. s/ is new to both, so it offsets the loss only once."""
    base = load(environment_text({"a": ("read", 2), "b": ("read", 2)}, {}, 3))
    head = load(environment_text({"a": ("read", 1), "b": ("read", 1)}, {"a": "read", "b": "read"}, 3))
    assert base is not None and head is not None
    found = changes([environment_access(base)], [environment_access(head)])
    together = [(c.prefix, c.capabilities) for c in found if c.subject == "a, b" and c.kind == "widened"]
    assert together == [("a0/", ("list", "read")), ("b0/", ("list", "read")), ("s/", ("list", "read"))]
    assert true_gains(base, head) >= {("a0/", "read"), ("b0/", "read")}


# --- with unlisted groups: a member may add groups the YAML does not list


UNLISTED = ("u0", "u1", "u2")  # as many unlisted groups as a level can hold (slots <= 3)


def with_unlisted(text: str) -> str:
    return text.replace("{role_mapping: tags,", "{role_mapping: tags, unlisted_groups: {access: read},", 1)


def unlisted_gains(base: Environment, head: Environment) -> set[Gain]:
    """Over every set of listed groups joined by every number of unlisted ones: what is gained,
    from the Lambda's claims, the unlisted folders written as the report writes them."""
    before, after = environment_access(base), environment_access(head)
    in_base, in_head = {g.name for g in base.groups}, {g.name for g in head.groups}
    names = sorted(in_base | in_head)
    found: set[Gain] = set()
    for size in range(len(names) + 1):
        for groups in combinations(names, size):
            for extra in range(1, len(UNLISTED) + 1):
                was_groups = (*(g for g in groups if g in in_base), *UNLISTED[:extra])
                now_groups = (*(g for g in groups if g in in_head), *UNLISTED[:extra])
                was = unlisted_holds(base, before, was_groups)
                now = unlisted_holds(head, after, now_groups)
                found |= {("<name>/" if f in {f"{u}/" for u in UNLISTED} else f, c) for f, c in now - was}
    return found


def unlisted_holds(environment: Environment, access: EnvironmentAccess, groups: tuple[str, ...]) -> set[Gain]:
    assert access.unlisted is not None
    capabilities = {**level_capabilities(access), access.unlisted.level: set(access.unlisted.capabilities)}
    claims = HANDLER.folder_claims(list(groups), lambda_data(environment), "u")
    return {
        (folder, capability)
        for key, folder in claims.items()
        if folder != UNUSED_SLOT
        for capability in capabilities[key.rpartition(".")[0]]
    }


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(sides, sides)
def test_with_unlisted_groups_every_gain_of_a_member_of_unlisted_groups_is_a_widening(base_side, head_side):
    """A gain of unlisted groups' folders is reported as `<name>/`; a gain of a listed folder that
    only a member of unlisted groups sees comes with a widening too (a reserve that shrank)."""
    base, head = (load(with_unlisted(environment_text(*side))) for side in (base_side, head_side))
    if base is None or head is None:
        return
    before, after = environment_access(base), environment_access(head)
    truth = without_private(unlisted_gains(base, head))
    found = changes([before], [after])
    reported = reported_gains(before, after)
    unlisted = {gain for gain in truth if gain[0] == "<name>/"}
    assert unlisted <= reported, f"missed: {sorted(unlisted - reported)}"
    if truth - reported:
        assert any(change.kind == "widened" for change in found), f"missed: {sorted(truth - reported)}"
