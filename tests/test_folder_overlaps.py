"""Containment of folders (private/ included) is decided without case, whichever comes first.

Beside tests/bad_inputs/prefixes-case-contains.yaml, prefixes-case-confusable.yaml and
prefix-inside-private-case.yaml (the messages, with their positions).
"""

from __future__ import annotations

import pytest

from modules.errors import ConfigError
from modules.folders import first_overlaps
from modules.validation import load_valid_environments
from tests.conftest import BASE


@pytest.mark.parametrize(
    "folders",
    [
        ["team/reports/", "Team/"],  # the later folder contains the earlier one
        ["Team/reports/", "team/"],
        ["team/", "Team/reports/"],  # the later folder lies in the earlier one
        ["TEAM/", "team/reports/"],
        ["team/reports/", "TEAM/REPORTS/"],  # equal without case
        ["a/B/c/", "A/b/"],
    ],
)
def test_folders_that_contain_one_another_without_case_overlap(folders):
    assert list(first_overlaps(folders)) == [(1, 0)]


@pytest.mark.parametrize(
    "folders",
    [
        ["team/reports/", "Teams/"],
        ["Team/", "team-reports/"],
        ["team/reports/", "Team/report/"],
        ["a/B/c/", "A/c/"],
    ],
)
def test_siblings_that_differ_in_case_do_not_overlap(folders):
    assert list(first_overlaps(folders)) == []


def test_a_group_folder_containing_another_without_case_is_refused(write_env):
    text = "groups:\n  - {name: reports, access: read, precedence: 1, prefixes: [%s]}\n"
    text += "  - {name: team, access: read, precedence: 2, prefixes: [%s]}\n"
    assert load_valid_environments(write_env(BASE + text % ("team/reports/", "Teams/")))
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(write_env(BASE + text % ("team/reports/", "Team/")))
    assert [problem.reason for problem in caught.value.problems] == [
        "'Team/' overlaps 'team/reports/' of group 'reports'; each folder must belong to exactly one place"
    ]


def test_a_shared_folder_containing_a_group_folder_without_case_is_refused(write_env):
    text = BASE + (
        "groups: [{name: a, access: read, precedence: 1, prefixes: [team/a/]}]\n"
        "shared_folders: [{prefix: %s, access: {a: read}}]\n"
    )
    assert load_valid_environments(write_env(text % "Team/b/"))
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(write_env(text % "Team/"))
    assert [problem.reason for problem in caught.value.problems] == [
        "'Team/' overlaps 'team/a/' of group 'a'; a shared folder must be a folder of its own"
    ]


@pytest.mark.parametrize("folder", ["Private/a/", "PRIVATE/", "pRiVaTe/x/y/"])
def test_a_group_folder_inside_private_without_case_is_refused_by_its_own_rule(write_env, folder: str):
    """Beside tests/bad_inputs/prefix-inside-private-case.yaml; not the rule across environments."""
    text = BASE + f"groups: [{{name: a, access: read, precedence: 1, prefixes: ['{folder}']}}]\n"
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(write_env(text))
    assert [problem.reason for problem in caught.value.problems] == [
        f"{folder!r} is inside private/, which holds every user's own folder"
    ]
    assert load_valid_environments(write_env(text + "private_folders: false\n"))


@pytest.mark.parametrize("folder", ["Privates/a/", "my-private/", "a/private/"])
def test_a_group_folder_beside_private_is_accepted(write_env, folder: str):
    text = BASE + f"groups: [{{name: a, access: read, precedence: 1, prefixes: ['{folder}']}}]\n"
    assert load_valid_environments(write_env(text))
