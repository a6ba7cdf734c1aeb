"""Names and Terraform addresses: the stack's address contract, in one place.

Every Terraform name a stack holds is declared here: the fixed ones below and the ones
derived from group names (never from list positions). Construct ids are these names
(`GroupFoldersStack` allocates each element its construct id as its address), so renaming
one here moves state; tests pin them through the snapshots.
"""

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


# A role with its policy: `<base><suffix>` (role, inline policy, policy document); for a
# group, `<terraform_id>` is also its Cognito group and `<terraform_id>_role_arn` its output.
ROLE, POLICY, PERMISSIONS, ROLE_ARN_OUTPUT = "_role", "_policy", "_permissions", "_role_arn"
ROLE_SUFFIXES = (ROLE, POLICY, PERMISSIONS)
GROUP_SUFFIXES = ("", *ROLE_SUFFIXES, ROLE_ARN_OUTPUT)

# Fixed names. Cognito:
USER_POOL, USER_POOL_CLIENT = "users", "web"
IDENTITY_POOL, ROLE_ATTACHMENT, COGNITO_TRUST = "identities", "identities_roles", "cognito_trust"
NO_GROUP = "no_group"  # base of the role of authenticated users in no group
# tags mode: the one folders role, the Lambda that issues folder claims at sign-in (a
# Pre Token Generation trigger) with its role, log group, code and invoke permission, and
# the identity pool's claim → principal tag mapping.
FOLDERS = "folders"
FOLDER_CLAIMS = "folder_claims"
FOLDER_CLAIMS_FUNCTION, FOLDER_CLAIMS_LOGS = FOLDER_CLAIMS + "_function", FOLDER_CLAIMS + "_logs"
FOLDER_CLAIMS_CODE, FOLDER_CLAIMS_INVOKE = FOLDER_CLAIMS + "_code", FOLDER_CLAIMS + "_invoke"
FOLDER_CLAIMS_ARN_OUTPUT = FOLDER_CLAIMS + "_lambda_arn"
FOLDER_CLAIMS_TRUST = FOLDER_CLAIMS + "_trust"
FOLDER_CLAIMS_ACCOUNT = FOLDER_CLAIMS + "_account"  # data.aws_caller_identity, for an existing pool's ARN
FOLDERS_ROLE_ARN_OUTPUT = FOLDERS + ROLE_ARN_OUTPUT
PRINCIPAL_TAGS = "principal_tags"
# The files bucket and its log bucket share their parts' suffixes: `<bucket><part>`.
FILES, FILES_LOGS = "files", "files_logs"
PUBLIC_ACCESS_BLOCK, OWNERSHIP, ENCRYPTION = "_public_access_block", "_ownership", "_encryption"
VERSIONING, LIFECYCLE, BUCKET_POLICY, BUCKET_POLICY_DOCUMENT = (
    "_versioning",
    "_lifecycle",
    "_policy",
    "_policy_document",
)
BUCKET_PARTS = ("", PUBLIC_ACCESS_BLOCK, OWNERSHIP, ENCRYPTION, VERSIONING, LIFECYCLE)
BUCKET_POLICY_PARTS = (BUCKET_POLICY, BUCKET_POLICY_DOCUMENT)
FILES_LOGGING = FILES + "_logging"
FILES_CORS = FILES + "_cors"
FILES_KEY = FILES + "_key"
FILES_KEY_ALIAS, FILES_KEY_POLICY = FILES_KEY + "_alias", FILES_KEY + "_policy"
ACCOUNT = "current"  # data.aws_caller_identity
OUTPUTS = ("user_pool_id", "user_pool_client_id", "identity_pool_id", "bucket_name")
USER_POOL_ID_OUTPUT, USER_POOL_CLIENT_ID_OUTPUT, IDENTITY_POOL_ID_OUTPUT, BUCKET_NAME_OUTPUT = OUTPUTS
CLIENT_CONFIG_OUTPUT = "client_config"
REFERENCE_AUTH_OUTPUT = "amplify_reference_auth"

FIXED_NAMES: tuple[str, ...] = (
    USER_POOL,
    USER_POOL_CLIENT,
    IDENTITY_POOL,
    ROLE_ATTACHMENT,
    COGNITO_TRUST,
    *(NO_GROUP + suffix for suffix in ROLE_SUFFIXES),
    *(base + suffix for base in (FOLDERS, FOLDER_CLAIMS) for suffix in ROLE_SUFFIXES),
    FOLDER_CLAIMS_FUNCTION,
    FOLDER_CLAIMS_LOGS,
    FOLDER_CLAIMS_CODE,
    FOLDER_CLAIMS_INVOKE,
    FOLDER_CLAIMS_ARN_OUTPUT,
    FOLDER_CLAIMS_ACCOUNT,
    FOLDER_CLAIMS_TRUST,
    FOLDERS_ROLE_ARN_OUTPUT,
    PRINCIPAL_TAGS,
    *(bucket + part for bucket in (FILES, FILES_LOGS) for part in (*BUCKET_PARTS, *BUCKET_POLICY_PARTS)),
    FILES_LOGGING,
    FILES_CORS,
    FILES_KEY,
    FILES_KEY_ALIAS,
    FILES_KEY_POLICY,
    ACCOUNT,
    *OUTPUTS,
    CLIENT_CONFIG_OUTPUT,
    REFERENCE_AUTH_OUTPUT,
)


def block_names(group_name: str) -> frozenset[str]:
    """Every Terraform name derived from a group: none may be another group's or a fixed name.

    checkov names tf.json blocks without their type, so names are unique across types.
    """
    return frozenset(terraform_id(group_name) + suffix for suffix in GROUP_SUFFIXES)


def role_name(environment: Environment, group: Group) -> str:
    return bounded_name(f"{environment.app}-{environment.name}-{group.name}", MAX_ROLE_NAME)


def group_role_name(environment: Environment, group: Group) -> str:
    """The role a member of `group` receives: its own, or in tags mode the one folders role."""
    if environment.identity_pool.role_mapping == "tags":
        return folders_role_name(environment)
    return role_name(environment, group)


def folders_role_name(environment: Environment) -> str:
    """tags mode: the one role of every group member; their principal tags pick the folders."""
    return bounded_name(f"{environment.app}-{environment.name}-folders", MAX_ROLE_NAME)


def folder_claims_name(environment: Environment) -> str:
    """tags mode: the folder-claims Lambda and its execution role (64 characters for both)."""
    return bounded_name(f"{environment.app}-{environment.name}-folder-claims", MAX_ROLE_NAME)


def default_role_name(environment: Environment) -> str:
    """The role of authenticated users that no group role applies to."""
    return bounded_name(f"{environment.app}-{environment.name}-no-group", MAX_ROLE_NAME)


def role_count(environment: Environment) -> int:
    """The IAM roles the stack creates: one per group and one for no group; in tags mode the
    folders role, the folder-claims Lambda's role and the no-group role."""
    return 3 if environment.identity_pool.role_mapping == "tags" else len(environment.groups) + 1


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
