"""The folder guard, judged by an IAM evaluator: each folder is closed to every principal but
its owners and the exempt ones, whatever their identity policies say.

The role of users in no group holds only its private folder: the guard must keep it out of
every group's and shared folder even if its policy leaked (it is one of "our roles" only
for listing and for private/). The documents are the ones the stack emits, with the
placeholder references that validation and the report use.
"""

from __future__ import annotations

import pytest

from modules.config.model import Environment
from modules.policies.environment_documents import environment_documents
from modules.policies.references import References, placeholder_references
from modules.validation import load_valid_environments
from tests.conftest import BASE
from tests.two_evaluators import evaluate

EXEMPT = "arn:aws:iam::123456789012:role/deployer"
IDENTITY = "eu-west-1:11111111-2222-4333-8444-555555555555"
# A policy that leaked: everything in S3.
LEAKED = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
GROUP_FOLDERS = ("a/", "team/b/", "shared/")


def guarded(
    write_env, role_mapping: str, users_without_group: str, *, guard: bool = True
) -> tuple[Environment, References]:
    bucket = f"{{name: demo-bucket, folder_guard: true, exempt_principals: [{EXEMPT}]}}"
    text = (BASE.replace("{name: demo-bucket}", bucket) if guard else BASE) + (
        f"identity_pool: {{role_mapping: {role_mapping}, users_without_group: {users_without_group}}}\n"
        "groups: [{name: a, access: read, precedence: 1}, "
        "{name: b, access: readwrite, precedence: 2, prefixes: [team/b/]}]\n"
        "shared_folders: [{prefix: shared/, access: {a: read, b: read}}]\n"
    )
    (environment,) = load_valid_environments(write_env(text))
    return environment, placeholder_references(environment)


def allowed(environment: Environment, references: References, principal: str, action: str, key: str) -> bool:
    """With the role tags that the stack gives `principal` (none for a principal not ours)."""
    documents = environment_documents(environment, references)
    assert documents.bucket_policy is not None
    tags = {references.no_group_role_arn: documents.no_group_role_tags}
    tags.update(
        (references.role_arns[group], role_tags) for group, role_tags in documents.group_role_tags.items()
    )
    arn = f"{references.bucket_arn}/{key}"
    context = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
    return evaluate(
        LEAKED,
        action,
        arn,
        context,
        documents.bucket_policy,
        principal_arn=principal,
        principal_tags=tags.get(principal),
    )


@pytest.mark.parametrize(
    ("role_mapping", "users_without_group"),
    [("token", "deny"), ("token", "private_only"), ("rules", "private_only"), ("tags", "private_only")],
)
def test_the_no_group_role_is_kept_out_of_every_group_folder(
    write_env, role_mapping: str, users_without_group: str
):
    environment, references = guarded(write_env, role_mapping, users_without_group)
    no_group = references.no_group_role_arn
    for folder in GROUP_FOLDERS:
        for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
            assert not allowed(environment, references, no_group, action, f"{folder}x.txt"), (folder, action)
            assert allowed(environment, references, EXEMPT, action, f"{folder}x.txt"), (folder, action)
    # Its own private folder stays open to it: the guard is not what keeps it there.
    assert allowed(environment, references, no_group, "s3:GetObject", f"private/{IDENTITY}/x.txt")


def test_each_group_folder_is_open_to_its_owners_only(write_env):
    environment, references = guarded(write_env, "token", "private_only")
    a, b = references.role_arns["a"], references.role_arns["b"]
    owners = {"a/": {a}, "team/b/": {b}, "shared/": {a, b}}
    principals = {a, b, references.no_group_role_arn, "arn:aws:iam::123456789012:role/admin"}
    for folder, open_to in owners.items():
        for principal in principals:
            verdict = allowed(environment, references, principal, "s3:GetObject", f"{folder}x.txt")
            assert verdict is (principal in open_to), (folder, principal)


def test_without_the_guard_a_leaked_policy_reaches_every_folder(write_env):
    """What the guard adds: the same leak, no guard, and the no-group role reads a group's folder."""
    environment, references = guarded(write_env, "token", "private_only", guard=False)
    for folder in GROUP_FOLDERS:
        assert allowed(
            environment, references, references.no_group_role_arn, "s3:GetObject", f"{folder}x.txt"
        )


@pytest.mark.parametrize("role_mapping", ["token", "rules"])
def test_each_role_is_confined_to_the_folders_of_its_role_tags(write_env, role_mapping: str):
    """The folders are named nowhere in the bucket policy: each role's tags carry them, and a
    session cannot set them (only the tags-mode trust allows sts:TagSession)."""
    environment, references = guarded(write_env, role_mapping, "private_only")
    documents = environment_documents(environment, references)
    assert documents.group_role_tags == {
        "a": {"folder_guard.1": "a/", "folder_guard.2": "shared/"},
        "b": {"folder_guard.1": "shared/", "folder_guard.2": "team/b/"},
    }
    assert documents.no_group_role_tags == {"folder_guard.1": "=unused", "folder_guard.2": "=unused"}
    assert "a/" not in str(documents.bucket_policy)
    assert documents.trust["Statement"][0]["Action"] == ["sts:AssumeRoleWithWebIdentity"]
    a = references.role_arns["a"]
    assert allowed(environment, references, a, "s3:PutObject", "a/x.txt")
    assert not allowed(environment, references, a, "s3:PutObject", "team/b/x.txt")


def test_tags_mode_leaves_every_group_folder_to_the_one_folders_role(write_env):
    environment, references = guarded(write_env, "tags", "private_only")
    documents = environment_documents(environment, references)
    assert (documents.group_role_tags, documents.no_group_role_tags) == ({}, {})
    folders_role = references.role_arns["a"]
    for folder in GROUP_FOLDERS:
        assert allowed(environment, references, folders_role, "s3:GetObject", f"{folder}x.txt"), folder
        assert not allowed(
            environment, references, "arn:aws:iam::123456789012:role/admin", "s3:GetObject", f"{folder}x.txt"
        )


def test_keys_outside_every_folder_are_closed_to_all_but_the_exempt(write_env):
    """The bucket is wholly this environment's (folder_guard is refused on a shared or existing
    bucket): a key in no folder is nobody's, so only the exempt principals reach it."""
    environment, references = guarded(write_env, "token", "private_only")
    principals = [
        *references.role_arns.values(),
        references.no_group_role_arn,
        "arn:aws:iam::123456789012:role/admin",
    ]
    for principal in principals:
        assert not allowed(environment, references, principal, "s3:GetObject", "elsewhere/x.txt"), principal
    assert allowed(environment, references, EXEMPT, "s3:GetObject", "elsewhere/x.txt")


def test_private_folders_are_closed_to_principals_outside_the_app(write_env):
    environment, references = guarded(write_env, "token", "private_only")
    key = f"private/{IDENTITY}/x.txt"
    assert not allowed(environment, references, "arn:aws:iam::123456789012:role/admin", "s3:GetObject", key)
    assert allowed(environment, references, references.role_arns["a"], "s3:GetObject", key)
    assert allowed(environment, references, EXEMPT, "s3:GetObject", key)


@pytest.mark.parametrize(
    "tampered", [{"folder_guard.1": ""}, {"folder_guard.1": "x"}, {}], ids=["empty", "no-folder", "missing"]
)
def test_a_role_whose_folder_tag_was_tampered_with_reaches_nothing(write_env, tampered):
    """Someone with iam:TagRole empties, spoils or removes a slot's tag of group a's role: the
    slot would free the whole bucket (`bucket/${tag}*`), so GuardFolderTag<N> closes the bucket
    to that role instead; with its tags as the stack sets them, it reaches its folders."""
    environment, references = guarded(write_env, "token", "private_only")
    documents = environment_documents(environment, references)
    assert documents.bucket_policy is not None
    role = references.role_arns["a"]
    as_set = dict(documents.group_role_tags["a"])
    tags = {key: value for key, value in as_set.items() if key != "folder_guard.1"} | tampered
    context = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}

    def reaches(role_tags: dict[str, str], key: str) -> bool:
        arn = f"{references.bucket_arn}/{key}"
        return evaluate(
            LEAKED,
            "s3:GetObject",
            arn,
            context,
            documents.bucket_policy,
            principal_arn=role,
            principal_tags=role_tags,
        )

    assert reaches(as_set, "a/x.txt")
    assert not reaches(as_set, "team/b/x.txt")
    for key in ("a/x.txt", "team/b/x.txt", "elsewhere/x.txt", f"private/{IDENTITY}/x.txt"):
        assert not reaches(tags, key), key
