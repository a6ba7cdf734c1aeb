"""Layer 1: loading, defaults, `extends`, and where problems are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from modules.config.yaml_source import field_path
from modules.errors import ConfigError, Problem
from modules.validation import load_valid_environments
from tests.conftest import BASE, EXAMPLES

GROUP = "groups: [{name: a, access: read, precedence: 1}]\n"


def test_examples_share_one_group_list():
    environments = load_valid_environments(EXAMPLES)
    assert [e.name for e in environments] == ["dev", "prod", "staging", "union"]
    group_lists = {e.groups for e in environments}
    assert len(group_lists) == 1
    (groups,) = group_lists
    assert {g.access for g in groups} >= {"read", "readwrite"}
    assert any(len(g.folders) > 1 for g in groups)


def test_defaults(write_env):
    (environment,) = load_valid_environments(
        write_env(BASE + "groups: [{name: a, access: read, precedence: 1}]")
    )
    assert environment.name == "test"
    assert environment.backend.type == "local"
    assert environment.identity_pool.role_mapping == "token"
    assert environment.identity_pool.users_without_group == "deny"
    assert environment.private_folders is True
    assert environment.bucket.versioned is True
    assert environment.groups[0].folders == ("a/",)
    assert environment.groups[0].description == ""


def test_models_are_frozen(write_env):
    (environment,) = load_valid_environments(
        write_env(BASE + "groups: [{name: a, access: read, precedence: 1}]")
    )
    with pytest.raises(ValueError, match="frozen"):
        environment.groups[0].precedence = 5  # type: ignore[misc]
    assert isinstance(environment.groups, tuple)


def test_extends_merges_mappings_and_replaces_lists(tmp_path: Path):
    (tmp_path / "_base.yaml").write_text(
        BASE + "tags: {owner: platform, tier: gold}\ngroups: [{name: a, access: read, precedence: 1}]\n"
    )
    (tmp_path / "env.yaml").write_text(
        "extends: _base.yaml\ntags: {tier: silver}\ngroups: [{name: b, access: list, precedence: 2}]\n"
    )
    (environment,) = load_valid_environments(tmp_path)
    assert environment.tags == {"owner": "platform", "tier": "silver"}
    assert [g.name for g in environment.groups] == ["b"]


def test_problem_in_an_inherited_value_names_the_file_that_wrote_it(tmp_path: Path):
    (tmp_path / "_base.yaml").write_text(BASE + "groups: [{name: a, access: read, precedence: -1}]\n")
    (tmp_path / "env.yaml").write_text("extends: _base.yaml\nregion: nowhere\n")
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}/_base.yaml:5:34: groups[0].precedence: Input should be greater than or equal to 0",
        f"{tmp_path}/env.yaml:2:1: region: 'nowhere' is not an AWS region like eu-west-1",
    ]


def test_every_problem_of_every_file_is_reported_together(write_env):
    directory = write_env(BASE + "groups: [{name: 'a*', access: read, precedence: x}]", name="one")
    write_env("app: Bad\n", name="two")
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(directory)
    assert [str(p).removeprefix(f"{directory}/") for p in caught.value.problems] == [
        "one.yaml:5:11: groups[0].name: 'a*' is not a safe group name: use 1-128 letters, digits, '-', '_' or '.'",
        "one.yaml:5:37: groups[0].precedence: Input should be a valid integer",
        "two.yaml: region: is required",
        "two.yaml: user_pool: is required",
        "two.yaml: bucket: is required",
        "two.yaml: groups: is required",
        "two.yaml:1:1: app: 'Bad' must be 1-32 of a-z, 0-9, '-', starting with a letter",
    ]


def test_problems_are_listed_by_file_and_position_whatever_order_they_were_found_in():
    found = [
        Problem("b.yaml", "x", "third", 1, 1),
        Problem("a.yaml", "y", "second", 10, 2),
        Problem("a.yaml", "z", "first, no position: leads its file"),
        Problem("a.yaml", "w", "also second: ties keep their order", 10, 2),
        Problem("a.yaml", "v", "before the line-10 ones", 9, 30),
    ]
    assert [p.reason for p in ConfigError(found).problems] == [
        "first, no position: leads its file",
        "before the line-10 ones",
        "second",
        "also second: ties keep their order",
        "third",
    ]


def test_files_starting_with_underscore_are_not_environments(tmp_path: Path):
    (tmp_path / "_shared.yaml").write_text("not: an environment\n")
    (tmp_path / "only.yaml").write_text(BASE + "groups: [{name: a, access: read, precedence: 1}]\n")
    assert [e.name for e in load_valid_environments(tmp_path)] == ["only"]


def test_asking_for_a_missing_environment(tmp_path: Path):
    (tmp_path / "dev.yaml").write_text(BASE + "groups: [{name: a, access: read, precedence: 1}]\n")
    assert [e.name for e in load_valid_environments(tmp_path, ["dev"])] == ["dev"]
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path, ["dev", "qa"])
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}: no environment 'qa' ({tmp_path}/qa.yaml)"
    ]


def test_an_empty_directory_is_an_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="holds no environment"):
        load_valid_environments(tmp_path)


def test_existing_pool_and_bucket(write_env):
    text = """\
    app: demo
    region: eu-west-1
    user_pool: {existing_id: eu-west-1_AbC123, existing_client_id: abc123def}
    bucket: {existing: shared-bucket, versioned: false}
    groups: [{name: a, access: read, precedence: 1}]
    """
    (environment,) = load_valid_environments(write_env(text))
    assert environment.user_pool.name is None
    assert environment.bucket.bucket_name == "shared-bucket"
    assert environment.bucket.arn == "arn:aws:s3:::shared-bucket"


def test_yaml_dates_stay_strings(write_env):
    (environment,) = load_valid_environments(
        write_env(BASE + "groups: [{name: 2024-01-01, access: read, precedence: 1}]")
    )
    assert environment.groups[0].name == "2024-01-01"


@pytest.mark.parametrize(
    ("loc", "text"),
    [(("groups", 0, "name"), "groups[0].name"), (("app",), "app"), (("a", 1, 2), "a[1][2]"), ((), "")],
)
def test_field_path(loc, text):
    assert field_path(loc) == text


def test_multi_region_kms_key_of_an_existing_bucket(write_env):
    text = BASE.replace("bucket: {name: demo-bucket}", "bucket: {existing: shared, kms_key_arn: KEY}") + (
        "groups: [{name: a, access: read, precedence: 1}]\n"
    )
    key = "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    (environment,) = load_valid_environments(write_env(text.replace("KEY", key)))
    assert environment.bucket.encrypted_with_kms
    # a malformed key ARN: tests/bad_inputs has the wildcard and root principals; here a plain typo
    with pytest.raises(ConfigError, match="is not a KMS key ARN"):
        load_valid_environments(write_env(text.replace("KEY", key.replace("kms", "kmz", 1))))


def test_quoted_yaml_boolean_is_a_group_name(write_env):
    (environment,) = load_valid_environments(
        write_env(BASE + "groups: [{name: 'no', access: read, precedence: 1}]")
    )
    assert environment.groups[0].name == "no"
    # unquoted: tests/bad_inputs/group-name-boolean.yaml


def _valid_document() -> dict:
    return {
        "app": "demo",
        "region": "eu-west-1",
        "user_pool": {"name": "demo-pool"},
        "bucket": {"name": "demo-bucket"},
        "groups": [{"name": "analysts", "access": "read", "precedence": 1}],
    }


GUARD = {"name": "demo-bucket", "folder_guard": True}


def _filled(value: object, suffix: str) -> object:
    """`value` with every `{x}` in its keys and strings replaced by `suffix`."""
    if isinstance(value, dict):
        return {_filled(k, suffix): _filled(v, suffix) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(item, suffix) for item in value]
    return value.replace("{x}", suffix) if isinstance(value, str) else value


KEY = "arn:aws:kms:eu-west-1:123456789012:key/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12


@pytest.mark.parametrize(
    ("override", "path"),
    [
        ({"groups": [{"name": "analysts{x}", "access": "read", "precedence": 1}]}, "groups[0].name"),
        ({"app": "demo{x}"}, "app"),
        ({"region": "eu-west-1{x}"}, "region"),
        ({"bucket": {"name": "demo-bucket{x}"}}, "bucket.name"),
        ({"bucket": {"existing": "demo-bucket{x}"}}, "bucket.existing"),
        (
            {"bucket": {**GUARD, "exempt_principals": ["arn:aws:iam::123456789012:role/d{x}"]}},
            "bucket.exempt_principals[0]",
        ),
        ({"bucket": {"existing": "demo-bucket", "kms_key_arn": KEY + "{x}"}}, "bucket.kms_key_arn"),
        ({"user_pool": {"name": "demo-pool{x}"}}, "user_pool"),
        ({"user_pool": {"existing_id": "eu-west-1_Ab{x}", "existing_client_id": "abc"}}, "user_pool"),
        ({"user_pool": {"existing_id": "eu-west-1_Ab", "existing_client_id": "abc{x}"}}, "user_pool"),
        ({"backend": {"type": "s3", "bucket": "state{x}", "key": "k"}}, "backend.bucket"),
        (
            {"backend": {"type": "s3", "bucket": "state", "key": "k", "region": "eu-west-1{x}"}},
            "backend.region",
        ),
        ({"bucket": {"name": "demo-bucket", "shared_with": ["two{x}"]}}, "bucket.shared_with[0]"),
        (
            {"bucket": {"name": "demo-bucket", "cors_origins": ["https://app.example.com{x}"]}},
            "bucket.cors_origins[0]",
        ),
        ({"tags": {"owner{x}": "me"}}, "tags"),
        ({"tags": {"owner": "me{x}"}}, "tags.owner"),
        (
            {"groups": [{"name": "analysts", "access": "read", "precedence": 1, "prefixes": ["a{x}/"]}]},
            "groups[0].prefixes[0]",
        ),
    ],
)
def test_a_trailing_newline_fails_every_pattern(tmp_path: Path, override: dict, path: str):
    """`$` lets a trailing newline through; every pattern is a full match. Without it, valid."""

    def document(suffix: str) -> str:
        return yaml.safe_dump(_filled({**_valid_document(), **override}, suffix))

    (tmp_path / "test.yaml").write_text(document(""))
    assert load_valid_environments(tmp_path)
    (tmp_path / "test.yaml").write_text(document("\n"))
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path)
    assert [p.path for p in caught.value.problems] == [path]


def test_a_trailing_newline_in_the_environment_file_name_fails(tmp_path: Path):
    (tmp_path / "dev\n.yaml").write_text(yaml.safe_dump(_valid_document()))
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path)
    assert [p.reason for p in caught.value.problems] == [
        "environment name 'dev\\n' must be 1-32 of a-z, 0-9, '-', starting with a letter"
    ]


def test_readme_configuration_table_is_the_models():
    """Generated by `python -m modules.config.docs`: a key's description lives on its field."""
    from modules.config.docs import configuration_table  # noqa: PLC0415

    assert configuration_table() in (EXAMPLES.parent / "README.md").read_text()


def test_every_setting_for_a_new_bucket_only_is_refused_on_an_existing_one(write_env):
    from modules.config.model import Bucket  # noqa: PLC0415

    marked = sorted(
        n for n, f in Bucket.model_fields.items() if (f.json_schema_extra or {}).get("new_bucket_only")
    )
    assert marked == [
        "access_logs",
        "cors_any_origin",
        "cors_origins",
        "encryption",
        "folder_guard",
        "noncurrent_version_days",
    ]
    text = BASE.replace("{name: demo-bucket}", "{existing: demo-bucket, access_logs: false, encryption: s3}")
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(write_env(text + "groups: [{name: a, access: read, precedence: 1}]\n"))
    assert [p.reason for p in caught.value.problems] == [
        "access_logs, encryption configure a bucket created here; an existing bucket is used as it is"
    ]


def test_a_base_that_spells_out_a_default_of_a_new_bucket_serves_an_existing_one(tmp_path: Path):
    """`folder_guard: false` and `access_logs: true` are the defaults: they configure nothing."""
    bucket = "bucket: {name: demo-bucket, folder_guard: false, access_logs: true}"
    (tmp_path / "_base.yaml").write_text(BASE.replace("bucket: {name: demo-bucket}", bucket) + GROUP)
    (tmp_path / "env.yaml").write_text("extends: _base.yaml\nbucket: {name: null, existing: theirs}\n")
    (environment,) = load_valid_environments(tmp_path)
    assert (environment.bucket.existing, environment.bucket.name) == ("theirs", None)
    (tmp_path / "env.yaml").write_text(
        "extends: _base.yaml\nbucket: {name: null, existing: theirs, folder_guard: true}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path)
    assert [p.reason for p in caught.value.problems] == [
        "folder_guard configure a bucket created here; an existing bucket is used as it is"
    ]


def test_null_removes_what_a_base_set_and_a_refusal_names_the_base_that_set_it(tmp_path: Path):
    (tmp_path / "_base.yaml").write_text(BASE + "tags: {team: a, cost: b}\n" + GROUP)
    (tmp_path / "env.yaml").write_text(
        "extends: _base.yaml\ntags: {cost: null}\nbucket: {existing: theirs}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}/env.yaml:3:1: bucket: give either name (a new bucket) or existing (an existing bucket's "
        f"name) (name from {tmp_path}/_base.yaml:4:10; `name: null` here removes it)"
    ]
    (tmp_path / "env.yaml").write_text(
        "extends: _base.yaml\ntags: {cost: null}\nbucket: {name: null, existing: theirs}\n"
    )
    (environment,) = load_valid_environments(tmp_path)
    assert (dict(environment.tags), environment.bucket.name) == ({"team": "a"}, None)


def test_null_for_a_key_no_base_set_is_read_as_written(tmp_path: Path):
    """Nothing to remove: an unknown key stays unknown, even when null."""
    (tmp_path / "env.yaml").write_text(BASE + "unknown_setting: null\n" + GROUP)
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path)
    assert [p.reason for p in caught.value.problems] == ["is not a known setting"]


@pytest.mark.parametrize(
    "origins",
    [
        ["https://app.example.com"],
        ["https://localhost:8443", "https://a-b.example.co.uk", "https://app.example.com:65535"],
    ],
)
def test_cors_origins_that_pass(write_env, origins: list[str]):
    """Beside tests/bad_inputs/cors-*.yaml: https origins with a host and an optional port."""
    bucket = json.dumps({"name": "demo-bucket", "cors_origins": origins})
    text = BASE.replace("{name: demo-bucket}", bucket)
    (environment,) = load_valid_environments(
        write_env(text + "groups: [{name: a, access: read, precedence: 1}]\n")
    )
    assert environment.bucket.cors_origins == tuple(origins)


def test_any_origin_needs_its_flag(write_env):
    def bucket(flag: str) -> str:
        return BASE.replace("{name: demo-bucket}", "{name: demo-bucket, cors_origins: ['*']" + flag + "}")

    group = "groups: [{name: a, access: read, precedence: 1}]\n"
    (environment,) = load_valid_environments(write_env(bucket(", cors_any_origin: true") + group))
    assert environment.bucket.cors_origins == ("*",)
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(write_env(bucket("") + group))
    assert [p.reason for p in caught.value.problems] == [
        "cors_origins '*' lets every web page use a signed-in user's credentials on this bucket: "
        "list the origins, or set cors_any_origin: true to mean it"
    ]


def test_a_value_replaced_by_an_extending_file_is_placed_in_that_file(tmp_path: Path):
    """The base's groups are replaced as a whole: a problem in the new list points into env.yaml,
    never at the line where the base had a group of the same index."""
    (tmp_path / "_base.yaml").write_text(BASE + "groups:\n  - {name: a, access: read, precedence: 1}\n")
    (tmp_path / "env.yaml").write_text("extends: _base.yaml\ngroups:\n  - {name: b, precedence: 2}\n")
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}/env.yaml:3:5: groups[0].access: is required"
    ]


def test_a_merged_mapping_keeps_the_position_of_each_file(tmp_path: Path):
    (tmp_path / "_base.yaml").write_text(
        BASE + "tags: {team: x}\ngroups: [{name: a, access: read, precedence: 1}]\n"
    )
    (tmp_path / "env.yaml").write_text("extends: _base.yaml\ntags:\n  owner: a&b\n")
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}/env.yaml:3:3: tags.owner: value 'a&b' must be 0-256 letters, numbers, spaces or _.:/=+-@ "
        "(IAM's tag rules)"
    ]
