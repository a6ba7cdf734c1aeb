"""Names and Terraform addresses, derived from group names only (never list positions)."""

from __future__ import annotations

import hashlib

from modules.config.model import Environment, Group

MAX_ROLE_NAME = 64  # IAM role name limit
HASH_LENGTH = 8


def terraform_id(group_name: str) -> str:
    """The part of every address that belongs to one group: `aws_iam_role.group_<id>`.

    Group names allow '.', which Terraform identifiers do not; two names that differ
    only by '.' vs '_' would share an address, so validation rejects that pair.
    """
    return "group_" + group_name.replace(".", "_")


# The names a group's blocks take: `<terraform_id><suffix>` (group, role, policy, document, output).
ROLE, POLICY, PERMISSIONS, ROLE_ARN_OUTPUT = "_role", "_policy", "_permissions", "_role_arn"
GROUP_SUFFIXES = ("", ROLE, POLICY, PERMISSIONS, ROLE_ARN_OUTPUT)


def block_names(group_name: str) -> frozenset[str]:
    """Every Terraform name derived from a group: none may be another group's."""
    return frozenset(terraform_id(group_name) + suffix for suffix in GROUP_SUFFIXES)


def role_name(environment: Environment, group: Group) -> str:
    return bounded_name(f"{environment.app}-{environment.name}-{group.name}", MAX_ROLE_NAME)


def default_role_name(environment: Environment) -> str:
    """The role of authenticated users that no group role applies to."""
    return bounded_name(f"{environment.app}-{environment.name}-no-group", MAX_ROLE_NAME)


def bounded_name(name: str, limit: int) -> str:
    """`name`, or its first characters plus a hash of all of it when it is too long.

    The hash keeps two long names that share a beginning distinct, and is the same on
    every run so that the role is never replaced by a synth.
    """
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:HASH_LENGTH]
    return f"{name[: limit - HASH_LENGTH - 1]}-{digest}"


def identity_pool_name(environment: Environment) -> str:
    return f"{environment.app}-{environment.name}"


def user_pool_client_name(environment: Environment) -> str:
    return f"{environment.app}-{environment.name}-web"
