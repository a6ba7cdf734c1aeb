"""A bucket's CORS AllowedMethods are what the roles' capabilities need from a browser, no more.

The expected methods are written out per access level (not read from modules/policies/actions.py):
a browser may send DELETE only to a bucket where some role may delete.
"""

from __future__ import annotations

import pytest

from modules.policies.actions import http_methods
from modules.policies.environment_documents import environment_documents
from modules.policies.references import placeholder_references
from modules.validation import load_valid_environments
from tests.conftest import BASE

# Each level alone, without private folders (every user's private folder is readwrite).
METHODS = {
    "list": ("GET",),
    "read": ("GET", "HEAD"),
    "write": ("PUT", "POST"),
    "readwrite-nodelete": ("GET", "HEAD", "PUT", "POST"),
    "readwrite": ("GET", "HEAD", "PUT", "POST", "DELETE"),
}


def granted_methods(write_env, groups: str, private_folders: bool) -> tuple[str, ...]:
    text = BASE + f"private_folders: {str(private_folders).lower()}\ngroups: {groups}\n"
    (environment,) = load_valid_environments(write_env(text))
    documents = environment_documents(environment, placeholder_references(environment))
    return http_methods(documents.granted_actions)


@pytest.mark.parametrize(("level", "methods"), METHODS.items())
def test_each_level_alone_allows_the_methods_of_its_capabilities(write_env, level, methods):
    assert granted_methods(write_env, f"[{{name: a, access: {level}, precedence: 1}}]", False) == methods


def test_delete_only_where_some_role_may_delete(write_env):
    """Writers without delete get no DELETE; a deleting group, or the private folders, bring it."""
    writers = (
        "[{name: a, access: write, precedence: 1}, {name: b, access: readwrite-nodelete, precedence: 2}]"
    )
    assert granted_methods(write_env, writers, False) == ("GET", "HEAD", "PUT", "POST")
    assert granted_methods(write_env, writers, True) == ("GET", "HEAD", "PUT", "POST", "DELETE")
    deleting = writers.removesuffix("]") + ", {name: c, access: readwrite, precedence: 3}]"
    assert granted_methods(write_env, deleting, False) == ("GET", "HEAD", "PUT", "POST", "DELETE")


@pytest.mark.parametrize(
    ("actions", "methods"),
    [
        (("s3:PutObject",), ("PUT", "POST")),
        (("s3:PutObjectTagging", "s3:AbortMultipartUpload"), ("PUT", "POST")),
        (("s3:DeleteObject",), ("DELETE",)),
        (("s3:GetObjectTagging",), ("GET", "HEAD")),
        (("s3:ListBucketVersions",), ("GET",)),
        (("s3:DeleteObject", "s3:ListBucket"), ("GET", "DELETE")),
        (("kms:Decrypt", "s3:PutObject"), ("PUT", "POST")),  # not an S3 action of the table: no method
        ((), ()),
    ],
)
def test_methods_of_single_actions(actions, methods):
    assert http_methods(actions) == methods
