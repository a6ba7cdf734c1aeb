"""Layer 1: rules across groups. Each negative case beside the positive one it breaks."""

from __future__ import annotations

import pytest

from modules.errors import ConfigError
from modules.validation import load_valid_environments
from tests.conftest import BASE


def problems_of(directory) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(directory)
    return [str(p).split(": ", 1)[1] for p in caught.value.problems]


def groups(*lines: str) -> str:
    return BASE + "groups:\n" + "".join(f"  - {line}\n" for line in lines)


def test_sibling_prefixes_are_fine(write_env):
    directory = write_env(
        groups(
            "{name: fin, access: read, precedence: 1, prefixes: [fin/]}",
            "{name: finance, access: read, precedence: 2, prefixes: [finance/]}",
        )
    )
    assert [g.folders for g in load_valid_environments(directory)[0].groups] == [("fin/",), ("finance/",)]


def test_nested_prefixes_of_two_groups_are_refused(write_env):
    directory = write_env(
        groups(
            "{name: fin, access: read, precedence: 1, prefixes: [finance/]}",
            "{name: reports, access: read, precedence: 2, prefixes: [finance/reports/]}",
        )
    )
    assert problems_of(directory) == [
        "groups[1].prefixes[0]: 'finance/reports/' overlaps 'finance/' of group 'fin'; "
        "each folder must belong to exactly one place"
    ]


def test_the_same_prefix_twice_is_refused(write_env):
    directory = write_env(groups("{name: a, access: read, precedence: 1, prefixes: [x/, x/]}"))
    assert problems_of(directory) == [
        "groups[0].prefixes[1]: 'x/' repeats 'x/' of the same group; each folder must belong to exactly one place"
    ]


def test_private_folder_prefix_is_allowed_when_private_folders_are_off(write_env):
    text = groups("{name: a, access: read, precedence: 1, prefixes: [private/a/]}")
    assert load_valid_environments(write_env(text + "private_folders: false\n"))
    assert problems_of(write_env(text)) == [
        "groups[0].prefixes[0]: 'private/a/' is inside private/, which holds every user's own folder"
    ]


def test_a_group_may_not_take_the_role_name_of_users_without_a_group(write_env):
    assert load_valid_environments(write_env(groups("{name: no-groups, access: read, precedence: 1}")))
    assert problems_of(write_env(groups("{name: no-group, access: read, precedence: 1}"))) == [
        "groups[0].name: role name 'demo-test-no-group' is already the role of users without a group; "
        "rename the group"
    ]


def test_long_names_that_share_a_beginning_get_distinct_roles(write_env):
    a, b = "x" * 70 + "a", "x" * 70 + "b"
    directory = write_env(
        groups(f"{{name: {a}, access: read, precedence: 1}}", f"{{name: {b}, access: read, precedence: 2}}")
    )
    assert len(load_valid_environments(directory)[0].groups) == 2


def test_every_access_level_is_accepted(write_env):
    levels = ["list", "read", "readwrite", "readwrite-nodelete", "write"]
    lines = [f"{{name: g{i}, access: {level}, precedence: {i}}}" for i, level in enumerate(levels)]
    assert [g.access for g in load_valid_environments(write_env(groups(*lines)))[0].groups] == levels
