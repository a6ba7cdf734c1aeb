"""Every limit on both sides of its boundary: exactly at the limit passes, one over fails."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from modules import limits, naming
from modules.config.model import Bucket, Environment
from modules.config.yaml_source import Source
from modules.errors import ConfigError
from modules.policies.documents import minified_size
from modules.policies.environment_documents import EnvironmentDocuments, environment_documents
from modules.policies.references import placeholder_references
from modules.validation import group_counts, load_valid_environments
from tests.conftest import BASE


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(directory)
    return [str(p).split(": ", 1)[1] for p in caught.value.problems]


def environment(text: str) -> Environment:
    """The model of `text` without a file (sizes are searched for, many times)."""
    import yaml  # noqa: PLC0415

    return Environment.model_validate_json(json.dumps({"name": "test", **yaml.safe_load(text)}))


def grown(names: Sequence[str], extra: int, most: int) -> list[str]:
    """`names` with `extra` more characters, at most `most` more on any one."""
    result = list(names)
    for index in range(len(result)):
        step = min(extra, most)
        result[index] += "x" * step
        extra -= step
    assert extra == 0, "not enough names to grow"
    return result


def at_size(
    size_of: Callable[[list[str], int], int],
    names: Callable[[int], list[str]],
    limit: int,
    per_char: int,
    most: int,
) -> tuple[list[str], int]:
    """Names and a knob whose document is exactly `limit`: as many names as fit, the knob (another
    length) turned until the rest is a multiple of `per_char`, then some names grown by that rest."""
    count = 1
    while size_of(names(count + 1), 0) <= limit:
        count += 1
    for fewer in range(count, 0, -1):
        for knob in range(per_char):
            rest = limit - size_of(names(fewer), knob)
            if rest >= 0 and rest % per_char == 0:
                found = grown(names(fewer), rest // per_char, most)
                assert size_of(found, knob) == limit
                return found, knob
    raise AssertionError("no names reach the limit exactly")


def prefixes_text(prefixes: list[str], bucket: str = "demo-bucket") -> str:
    group = f"{{name: archive, access: readwrite, precedence: 1, prefixes: [{', '.join(prefixes)}]}}"
    return BASE.replace("demo-bucket", bucket) + f"groups: [{group}]\n"


def policy_size(prefixes: list[str], bucket: str = "demo-bucket") -> int:
    env = environment(prefixes_text(prefixes, bucket))
    return minified_size(documents(env).group_policies[env.groups[0].name])


def documents(env: Environment) -> EnvironmentDocuments:
    """What validation measures: the one rendering path, with placeholder references."""
    return environment_documents(env, placeholder_references(env))


def test_inline_policy_exactly_at_the_limit_passes_and_one_over_fails(write_env):
    # A folder's character counts three times (two list prefixes, one object ARN), as does a whole
    # folder; the bucket name's length turns the remainder.
    stems, knob = at_size(
        lambda names, knob: policy_size([f"{name}/" for name in names], "demo-bucket" + "x" * knob),
        lambda count: [f"p{i:03d}" for i in range(count)],
        limits.INLINE_POLICIES,
        3,
        50,
    )
    bucket = "demo-bucket" + "x" * knob
    found = [f"{stem}/" for stem in stems]
    assert load_valid_environments(write_env(prefixes_text(found, bucket)))
    over = [*found[:-1], f"{stems[-1]}y/"]
    assert policy_size(over, bucket) == limits.INLINE_POLICIES + 3
    assert problems_of(write_env(prefixes_text(over, bucket))) == [
        f"groups[0].prefixes: the role policy of group 'archive' is {limits.INLINE_POLICIES + 3} characters "
        "(whitespace not counted); IAM allows 10,240 characters of inline policy per role (IAM quota, not "
        "adjustable): give the group fewer prefixes"
    ]


def guarded_text(count: int, exempt: str = "d", bucket: str = "demo-bucket", name: str = "g") -> str:
    """`count` groups of two folders each, under folder_guard with one exempt role (its name)."""
    guarded = (
        f"bucket: {{name: {bucket}, folder_guard: true, "
        f"exempt_principals: [arn:aws:iam::123456789012:role/{exempt}]}}\n"
    )
    text = BASE.replace("bucket: {name: demo-bucket}\n", guarded)
    groups = "".join(
        f"  - {{name: {name}{i:03d}, access: read, precedence: {i}, prefixes: [{name}{i:03d}/a/, {name}{i:03d}/b/]}}\n"
        for i in range(count)
    )
    return text + "groups:\n" + groups


def bucket_policy_size(text: str) -> int:
    bucket_policy = documents(environment(text)).bucket_policy
    assert bucket_policy is not None
    return minified_size(bucket_policy)


def test_bucket_policy_exactly_at_the_limit_passes_and_one_over_fails(write_env):
    # A group adds its role's id twice, 52 bytes; an exempt principal's character counts once per
    # guard statement (`times`): fewer groups until the rest is a multiple of it, then the exempt
    # name grows.
    times = bucket_policy_size(guarded_text(1, "dd")) - bucket_policy_size(guarded_text(1, "d"))
    count = 1
    while bucket_policy_size(guarded_text(count + 1)) <= limits.BUCKET_POLICY:
        count += 1
    while (limits.BUCKET_POLICY - bucket_policy_size(guarded_text(count))) % times:
        count -= 1
    exempt = "d" * (1 + (limits.BUCKET_POLICY - bucket_policy_size(guarded_text(count))) // times)
    assert bucket_policy_size(guarded_text(count, exempt)) == limits.BUCKET_POLICY
    assert load_valid_environments(write_env(guarded_text(count, exempt)))
    over = guarded_text(count, exempt + "d")
    assert bucket_policy_size(over) == limits.BUCKET_POLICY + times
    assert problems_of(write_env(over)) == [
        f"bucket.folder_guard: with folder_guard the bucket policy is {limits.BUCKET_POLICY + times} bytes; "
        "S3 allows 20 KB (20,480 bytes) of bucket policy: each group adds 52 bytes, so leave out 1 group, "
        "or use role_mapping tags (one role for every group)"
    ]
    # Leaving out what the message says gets under the limit again.
    assert bucket_policy_size(guarded_text(count - 1, exempt + "d")) <= limits.BUCKET_POLICY


def test_a_group_adds_the_same_bytes_to_the_folder_guard_whatever_its_names():
    short, long = guarded_text(100), guarded_text(100, name="a-group-with-a-much-longer-name-")
    assert bucket_policy_size(short) == bucket_policy_size(long)
    assert (
        bucket_policy_size(guarded_text(101)) - bucket_policy_size(short) == limits.GUARD_BYTES_PER_ROLE == 52
    )


def test_the_folder_guard_serves_the_groups_that_the_configuration_table_states():
    """The measured ceiling: two folders a group, the bucket and exempt principals of
    environments/prod.yaml; `bucket.folder_guard`'s description states it."""
    deployer, backup = "groupfolders-deployer", "aws-backup-service"

    def text(count: int) -> str:
        one = guarded_text(count, deployer, "acme-groupfolders-prod")
        return one.replace(f"role/{deployer}]", f"role/{deployer}, arn:aws:iam::123456789012:role/{backup}]")

    assert bucket_policy_size(text(limits.FOLDER_GUARD_GROUPS)) <= limits.BUCKET_POLICY
    assert bucket_policy_size(text(limits.FOLDER_GUARD_GROUPS + 1)) > limits.BUCKET_POLICY
    assert limits.FOLDER_GUARD_GROUPS >= 200
    description = Bucket.model_fields["folder_guard"].description
    assert f"{limits.FOLDER_GUARD_GROUPS} groups of two folders" in description


def groups_text(count: int, extra: str = "") -> str:
    lines = "".join(f"  - {{name: t{i}, access: list, precedence: {i}}}\n" for i in range(count))
    return BASE + extra + "groups:\n" + lines


def test_25_rules_pass_and_26_fail(write_env):
    rules = "identity_pool: {role_mapping: rules}\n"
    assert load_valid_environments(write_env(groups_text(25, rules)))
    assert problems_of(write_env(groups_text(26, rules))) == [
        "identity_pool.role_mapping: role_mapping rules needs one rule per group: 26 groups, but Amazon Cognito "
        "allows 25 role-mapping rules per identity provider (not adjustable); use role_mapping: token (each "
        "group carries its role)"
    ]


def test_role_name_of_64_characters_is_kept_and_65_is_shortened():
    assert naming.bounded_name("r" * 64, 64) == "r" * 64
    shortened = naming.bounded_name("r" * 65, 64)
    assert len(shortened) == 64
    assert shortened.startswith("r" * 55 + "-")


def test_group_name_of_128_characters_passes_and_129_fails(write_env):
    assert load_valid_environments(
        write_env(BASE + f"groups: [{{name: {'g' * 128}, access: read, precedence: 1}}]")
    )
    # 129 characters: tests/bad_inputs/group-name-129.yaml


def test_role_quota_default_999_groups_pass(write_env):
    """999 groups and the no-group role are 1,000 roles; 1,000 groups: roles-over-account-quota.yaml."""
    assert len(load_valid_environments(write_env(groups_text(999)))[0].groups) == 999


def with_groups(count: int, quota: int) -> Environment:
    groups = [{"name": f"t{i}", "access": "list", "precedence": i} for i in range(count)]
    document = {"limits": {"iam_roles_per_account": quota}, "groups": groups}
    return Environment.model_validate_json(
        json.dumps({**environment(groups_text(1)).model_dump(exclude_defaults=True), **document})
    )


def test_role_quota_raised_to_5000():
    """4,999 groups and the no-group role fit; one more is refused, with no more raising to suggest."""
    source = Source(document={}, file="test.yaml")
    assert list(group_counts(with_groups(4_999, 5_000), source)) == []
    assert [str(p) for p in group_counts(with_groups(5_000, 5_000), source)] == [
        "test.yaml: groups: 5001 roles (one per group, one for no group); IAM allows 5,000 roles per account "
        "(limits.iam_roles_per_account), and other stacks in the same account count too"
    ]


def test_role_quota_between_default_and_maximum(write_env):
    quota = "limits: {iam_roles_per_account: 1500}\n"
    assert problems_of(write_env(groups_text(1500, quota))) == [
        "groups: 1501 roles (one per group, one for no group); IAM allows 1,500 roles per account "
        "(limits.iam_roles_per_account), and other stacks in the same account count too; to go further, raise "
        "IAM's 'Roles per account' in Service Quotas (up to 5,000) and set limits.iam_roles_per_account"
    ]


@pytest.mark.parametrize(
    ("quota", "reason"),
    [
        (999, "Input should be greater than or equal to 1000"),
        (5001, "Input should be less than or equal to 5000"),
    ],
)
def test_role_quota_outside_what_iam_grants(write_env, quota, reason):
    text = groups_text(1, f"limits: {{iam_roles_per_account: {quota}}}\n")
    assert problems_of(write_env(text)) == [f"limits.iam_roles_per_account: {reason}"]


def role_tags_text(count: int, tags: str = "") -> str:
    """One group of `count` folders under folder_guard; `tags`: the environment's own tags."""
    guarded = "bucket: {name: demo-bucket, folder_guard: true, exempt_principals: [arn:aws:iam::123456789012:role/d]}\n"
    folders = ", ".join(f"f{i:02d}/" for i in range(count))
    text = BASE.replace("bucket: {name: demo-bucket}\n", guarded) + tags
    return text + f"groups:\n  - {{name: a, access: list, precedence: 1, prefixes: [{folders}]}}\n"


@pytest.mark.parametrize(("tags", "room"), [("", 48), ("tags: {team: x}\n", 47)])
def test_role_tags_exactly_at_the_limit_pass_and_one_over_fails(write_env, tags: str, room: int):
    """The provider's default tags (app, environment and the environment's own) count too."""
    assert load_valid_environments(write_env(role_tags_text(room, tags)))
    assert problems_of(write_env(role_tags_text(room + 1, tags))) == [
        f"groups[0].prefixes: with folder_guard the role of group 'a' carries its {room + 1} folders (shared ones "
        f"included) as role tags, beside {50 - room} default tags; IAM allows 50 tags per role, the provider's "
        f"default tags included: give the group at most {room} folders"
    ]
