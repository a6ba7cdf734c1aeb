"""tags mode at AWS's limits: 50 principal tags, 256-character tag values of STS's characters.

Each limit is tested at the boundary, on both sides: exactly at the limit is allowed (AWS
allows it), one past it is refused (validation) or fails closed (the Lambda). The oracle of
what a tag value is comes from tests/session_tags.py, not from the code under test.
"""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import pytest

from modules.errors import ConfigError
from modules.policies.principal_tags import TAG_VALUE, UNUSED_SLOT
from modules.validation import load_valid_environments
from tests.conftest import PROJECT
from tests.lambda_handler import template_handler
from tests.session_tags import ALLOWED, FORBIDDEN, MAX_LENGTH, folder_of_length, is_session_tag_value

TAG_VALUE_TEXT = "a session tag value is at most 256 letters, digits, spaces and _.:/=+-@ (STS Tag)"
# A level of one action: 50 slots of it fit the folders role's inline policy, so the limit
# on principal tags is what decides (the project's levels reach the size limit first).
ONE_ACTION_LEVEL = (
    '[{"Sid": "W", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": {{ object_arns | json }}}]'
)


def tags_environment(tmp_path: Path, folders_per_level: int, groups: str) -> Path:
    directory = tmp_path / "environments"
    directory.mkdir(exist_ok=True)
    (directory / "u.yaml").write_text(
        "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\nbucket: {name: demo-bucket}\n"
        f"private_folders: false\nidentity_pool: {{role_mapping: tags, folders_per_level: {folders_per_level}}}\n"
        f"groups: {groups}\n"
    )
    return directory


def reasons(directory: Path, templates: Path | None = None) -> list[str]:
    try:
        load_valid_environments(directory, templates=templates)
    except ConfigError as error:
        return [problem.reason for problem in error.problems]
    return []


@pytest.fixture
def one_action_levels(tmp_path: Path) -> Path:
    """The project's levels, and w, x and y: one action each."""
    levels = tmp_path / "levels"
    shutil.copytree(PROJECT / "templates" / "policies", levels)
    for name in "wxy":
        (levels / f"{name}.json.j2").write_text(ONE_ACTION_LEVEL)
    return levels


@pytest.mark.parametrize(
    ("levels", "folders_per_level"),
    [("w", 50), ("wx", 25), ("wxy", 16)],
    ids=["1x50", "2x25", "3x16"],
)
def test_up_to_50_principal_tags_are_allowed(tmp_path: Path, one_action_levels, levels, folders_per_level):
    groups = ", ".join(
        f"{{name: g{level}, access: {level}, precedence: {i}}}" for i, level in enumerate(levels)
    )
    directory = tags_environment(tmp_path, folders_per_level, f"[{groups}]")
    assert reasons(directory, one_action_levels) == []


def test_51_principal_tags_are_refused(tmp_path: Path, one_action_levels):
    groups = "[{name: a, access: w, precedence: 1}, {name: b, access: x, precedence: 2}, {name: c, access: y, precedence: 3}]"
    assert reasons(tags_environment(tmp_path, 17, groups), one_action_levels) == [
        "3 access levels with 17 folders each need 51 principal tags, but an identity pool maps at most 50 "
        "claims to principal tags per identity provider (SetPrincipalTagAttributeMap), and STS accepts at "
        "most 50 session tags: lower folders_per_level"
    ]


# --- a folder is a tag value: validation


def one_folder(tmp_path: Path, folder: str) -> Path:
    quoted = folder.replace("'", "''")  # a YAML single-quoted scalar
    return tags_environment(
        tmp_path, 1, f"[{{name: a, access: read, precedence: 1, prefixes: ['{quoted}']}}]"
    )


def test_a_folder_of_256_characters_is_a_tag_value_and_257_is_refused(tmp_path: Path):
    longest = folder_of_length(MAX_LENGTH, "aZ0_.-")
    assert reasons(one_folder(tmp_path, longest)) == []
    too_long = folder_of_length(MAX_LENGTH + 1, "aZ0_.-")
    assert reasons(one_folder(tmp_path, too_long)) == [
        f"{too_long!r} is 257 characters; role_mapping tags makes it a tag value: {TAG_VALUE_TEXT}"
    ]


@pytest.mark.parametrize(
    "characters", [string.ascii_lowercase, string.ascii_uppercase, string.digits, "a_.-"]
)
def test_folders_of_tag_value_characters_are_accepted(tmp_path: Path, characters: str):
    """Every character a prefix and a tag value both allow (a prefix has no space, ':', '=', '+' or '@')."""
    assert reasons(one_folder(tmp_path, f"{characters}/")) == []


@pytest.mark.parametrize("character", ["!", "'", "(", ")"])
def test_prefix_characters_that_no_tag_value_holds_are_refused_in_tags_mode(tmp_path: Path, character: str):
    """A prefix may hold !'() (S3's safe characters); a tag value may not."""
    folder = f"a{character}b/"
    directory = one_folder(tmp_path, folder)
    assert reasons(directory) == [
        f"{folder!r} has {character!r}; role_mapping tags makes it a tag value: {TAG_VALUE_TEXT}"
    ]
    token = (
        (directory / "u.yaml")
        .read_text()
        .replace("role_mapping: tags, folders_per_level: 1", "role_mapping: token")
    )
    (directory / "u.yaml").write_text(token)
    assert reasons(directory) == []  # only tags mode makes a folder a tag value


def test_the_tag_value_pattern_is_the_documented_one():
    """Character by character over ASCII, and the empty value."""
    for code in range(128):
        assert bool(TAG_VALUE.fullmatch(chr(code))) is is_session_tag_value(chr(code)), repr(chr(code))
    assert TAG_VALUE.fullmatch("")


# --- a folder is a tag value: the Lambda issues none that STS would refuse


GRANTS = {"slots": {"read": ["read.1"]}, "groups": {}, "unused": UNUSED_SLOT}


def claims(folder: str) -> dict[str, str]:
    grants = {**GRANTS, "groups": {"g": {"read": [folder]}}}
    return template_handler().folder_claims(["g"], grants, "u")


def test_the_lambda_issues_a_256_character_folder_and_never_a_257_character_one():
    longest = folder_of_length(MAX_LENGTH)
    assert claims(longest) == {"read.1": longest}
    too_long = folder_of_length(MAX_LENGTH + 1)
    issued = claims(too_long)
    assert too_long not in issued.values()
    assert all(is_session_tag_value(value) for value in issued.values())


@pytest.mark.parametrize(("name", "characters"), ALLOWED.items(), ids=list(ALLOWED))
def test_the_lambda_issues_folders_of_every_allowed_class(name: str, characters: str):
    folder = f"{characters}/"
    assert claims(folder) == {"read.1": folder}


@pytest.mark.parametrize(("name", "character"), FORBIDDEN.items(), ids=list(FORBIDDEN))
def test_the_lambda_issues_no_folder_with_a_forbidden_character(name: str, character: str):
    folder = f"a{character}b/"
    issued = claims(folder)
    assert folder not in issued.values()
    assert all(is_session_tag_value(value) for value in issued.values())
