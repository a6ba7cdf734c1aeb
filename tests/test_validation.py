"""Layer 1: rules across groups. Each negative case beside the positive one it breaks."""

from __future__ import annotations

import pytest

from modules.errors import ConfigError
from modules.naming import role_name
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


def test_rules_mapping_takes_25_groups(write_env):
    lines = [f"{{name: team{i}, access: read, precedence: {i}}}" for i in range(1, 26)]
    text = groups(*lines) + "identity_pool: {role_mapping: rules}\n"
    assert len(load_valid_environments(write_env(text))[0].groups) == 25
    # 26 groups: tests/bad_inputs/rules-26-groups.yaml


def test_equal_precedence_can_be_allowed_explicitly(write_env):
    text = groups("{name: a, access: read, precedence: 1}", "{name: b, access: read, precedence: 1}")
    assert load_valid_environments(write_env(text + "identity_pool: {allow_equal_precedence: true}\n"))
    # without it: tests/bad_inputs/precedence-equal.yaml


def test_policy_just_under_the_inline_limit_passes(write_env):
    prefixes = ", ".join(f"archive/year-{i:03d}/" for i in range(100))
    text = groups(f"{{name: archive, access: readwrite, precedence: 1, prefixes: [{prefixes}]}}")
    assert load_valid_environments(write_env(text))
    # 130 prefixes: tests/bad_inputs/policy-too-large.yaml


def test_long_group_names_get_a_shortened_role_name(write_env):
    name = "g" * 100
    (environment,) = load_valid_environments(
        write_env(groups(f"{{name: {name}, access: read, precedence: 1}}"))
    )
    assert len(role_name(environment, environment.groups[0])) == 64


def test_each_folder_is_paired_with_the_earliest_folder_it_overlaps():
    from modules.folders import first_overlaps  # noqa: PLC0415

    folders = ["a/b/", "x/", "a/", "A/b/c/", "ab/", "a/b/"]
    assert list(first_overlaps(folders)) == [(2, 0), (3, 0), (5, 0)]


def test_a_name_repeated_three_times_is_reported_once_per_repeat(write_env):
    names = enumerate(["a", "A", "a"])
    text = groups(
        *(f"{{name: {name}, access: read, precedence: {i}, prefixes: [p{i}/]}}" for i, name in names)
    )
    assert problems_of(write_env(text)) == [
        "groups[1].name: 'A' repeats group 'a'; group names are compared without case",
        "groups[2].name: 'a' repeats group 'a'; group names are compared without case",
    ]


def test_a_precedence_repeated_three_times_is_reported_once_per_repeat(write_env):
    text = groups(*(f"{{name: g{i}, access: read, precedence: 7}}" for i in range(3)))
    reason = (
        "7 is also the precedence of group 'g0': a user in both would get no preferred role (Cognito leaves "
        "cognito:preferred_role unset); give each group its own precedence, or set "
        "identity_pool.allow_equal_precedence: true"
    )
    assert problems_of(write_env(text)) == [
        f"groups[1].precedence: {reason}",
        f"groups[2].precedence: {reason}",
    ]


def test_shared_folders_count_towards_the_inline_policy_limit(write_env):
    """A group's shared folders are in its role's policy: measured, and named in the advice."""
    shared = "".join(f"  - {{prefix: shared-{'x' * 60}-{n:03}/, access: {{a: read}}}}\n" for n in range(60))
    text = BASE + "groups: [{name: a, access: read, precedence: 1}]\nshared_folders:\n" + shared
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(write_env(text))
    (problem,) = caught.value.problems
    assert problem.path == "groups[0].prefixes"
    assert problem.reason.endswith("give the group fewer prefixes or shared folders")
    fewer = (
        BASE
        + "groups: [{name: a, access: read, precedence: 1}]\nshared_folders:\n"
        + shared[: len(shared) // 3]
    )
    assert load_valid_environments(write_env(fewer))[0].shared_folders


def test_a_shared_folder_may_sit_beside_group_folders(write_env):
    text = BASE + (
        "groups: [{name: a, access: read, precedence: 1, prefixes: [team/a/]}, {name: b, access: write, precedence: 2}]\n"
        "shared_folders: [{prefix: team/shared/, access: {a: readwrite, b: read}}]\n"
    )
    (environment,) = load_valid_environments(write_env(text))
    assert environment.shared_levels("a") == (("readwrite", ("team/shared/",)),)
    assert environment.folders_by_level(environment.groups[1]) == {
        "write": ("b/",),
        "read": ("team/shared/",),
    }


GUARDED = (
    "bucket: {name: demo-bucket, folder_guard: true, exempt_principals: [arn:aws:iam::123456789012:role/d]}\n"
)


@pytest.mark.parametrize("role_mapping", ["token", "rules"])
def test_with_folder_guard_a_folder_must_be_a_role_tag_value(write_env, role_mapping: str):
    text = (
        BASE.replace("bucket: {name: demo-bucket}\n", GUARDED)
        + f"identity_pool: {{role_mapping: {role_mapping}}}\n"
        + "groups: [{name: a, access: read, precedence: 1, prefixes: [reports(2024)/]}]\n"
    )
    assert problems_of(write_env(text)) == [
        "groups[0].prefixes[0]: 'reports(2024)/' has '(', ')'; folder_guard makes it a role tag value: "
        "an IAM tag value is at most 256 letters, digits, spaces and _.:/=+-@"
    ]
    # Without the guard the folder is no tag, and fine; with it, a folder of tag characters is.
    assert load_valid_environments(write_env(text.replace(GUARDED, "bucket: {name: demo-bucket}\n")))
    assert load_valid_environments(write_env(text.replace("reports(2024)/", "reports-2024/")))
