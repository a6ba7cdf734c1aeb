"""Which part of the configuration produced each Terraform resource: findings point there.

The mapping follows the address contract of `modules.naming`: the names derived from a group
belong to its entry, the bucket's parts to `bucket`, the pools' to `user_pool` and
`identity_pool`; anything else (the account lookup) to the environment as a whole.
"""

from __future__ import annotations

from modules import naming
from modules.config.model import Environment
from modules.config.yaml_source import FieldPath, Position, Source

BUCKET_NAMES = frozenset(
    {
        *(
            bucket + part
            for bucket in (naming.FILES, naming.FILES_LOGS)
            for part in (*naming.BUCKET_PARTS, *naming.BUCKET_POLICY_PARTS)
        ),
        naming.FILES_LOGGING,
        naming.FILES_CORS,
        naming.FILES_KEY,
        naming.FILES_KEY_ALIAS,
        naming.FILES_KEY_POLICY,
    }
)
USER_POOL_NAMES = frozenset({naming.USER_POOL, naming.USER_POOL_CLIENT})
# The identity pool, the roles it hands out besides the groups' own, and in tags mode the
# folders role, the folder-claims Lambda and the principal tags.
IDENTITY_POOL_NAMES = frozenset(
    {
        naming.IDENTITY_POOL,
        naming.ROLE_ATTACHMENT,
        naming.COGNITO_TRUST,
        naming.PRINCIPAL_TAGS,
        *(base + suffix for base in (naming.NO_GROUP, naming.FOLDERS) for suffix in naming.ROLE_SUFFIXES),
        *(name for name in naming.FIXED_NAMES if name.startswith(naming.FOLDER_CLAIMS)),
    }
)
FIXED: tuple[tuple[frozenset[str], FieldPath], ...] = (
    (BUCKET_NAMES, ("bucket",)),
    (USER_POOL_NAMES, ("user_pool",)),
    (IDENTITY_POOL_NAMES, ("identity_pool",)),
)


def config_path(environment: Environment, address: str) -> FieldPath:
    """The setting that produced the block at `address` (`aws_iam_role.group_x_role`,
    `data.aws_iam_policy_document.files_policy_document`); () for the environment as a whole."""
    name = address.rsplit(".", 1)[-1]
    for index, group in enumerate(environment.groups):
        if name in naming.block_names(group.name):
            return ("groups", index)
    return next((path for names, path in FIXED if name in names), ())


def resource_position(environment: Environment, source: Source, address: str) -> Position:
    """Where the setting behind `address` is written; the environment file's first line when
    it is not written (an optional block left at its defaults) or is the whole environment."""
    return source.position_of(config_path(environment, address)) or Position(source.file, 1, 1)
