"""The `client_config` output: what a web or mobile client needs after apply.

Shaped as Amplify's `amplify_outputs.json` (schema version 1.4: `auth`, `storage.buckets[].paths`,
`custom`), so `Amplify.configure(outputs)` takes it as it is; our own account of each group (its
folders and access level) sits under `custom.groupfolders`, where Amplify keeps what it does not
read. Path permissions come from the access model, i.e. from the rendered policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modules.access_model import (
    PRIVATE_FOLDER,
    UNLISTED_FOLDER,
    EnvironmentAccess,
    RoleAccess,
    UnlistedAccess,
)
from modules.config.model import Environment

AMPLIFY_OUTPUTS_VERSION = "1.4"
# Amplify's storage actions for our capabilities (`get` is reading one object).
AMPLIFY_ACTIONS = {"list": "list", "read": "get", "write": "write", "delete": "delete"}
# Amplify writes the caller's own folder as `{entity_id}` and grants it to `entityidentity`.
PRIVATE_PATH = "private/{entity_id}/*"
OWNER = "entityidentity"


@dataclass(frozen=True)
class ClientIds:
    """Known after apply: Terraform references, or the ids of existing resources."""

    user_pool_id: str
    user_pool_client_id: str
    identity_pool_id: str


def client_config(environment: Environment, access: EnvironmentAccess, ids: ClientIds) -> dict[str, Any]:
    region, bucket = environment.region, environment.bucket.bucket_name
    return {
        "version": AMPLIFY_OUTPUTS_VERSION,
        "auth": {
            "aws_region": region,
            "user_pool_id": ids.user_pool_id,
            "user_pool_client_id": ids.user_pool_client_id,
            "identity_pool_id": ids.identity_pool_id,
            "unauthenticated_identities_enabled": False,
            "groups": [{role.group: {"precedence": role.precedence}} for role in access.precedence_order],
        },
        "storage": {
            "aws_region": region,
            "bucket_name": bucket,
            "buckets": [
                {"name": bucket, "bucket_name": bucket, "aws_region": region, "paths": _paths(access)}
            ],
        },
        "custom": {
            "groupfolders": {
                "environment": environment.name,
                "role_mapping": access.role_mapping,
                "groups": {str(role.group): _group(access, role) for role in access.roles},
                **({"unlisted_groups": _unlisted(access.unlisted)} if access.unlisted else {}),
            }
        },
    }


def _group(access: EnvironmentAccess, role: RoleAccess) -> dict[str, Any]:
    """A group's own folders at its level, and each shared folder at the level it is granted."""
    shared = {
        folder.prefix: grant.level
        for folder in access.shared_folders
        for grant in folder.grants
        if grant.group == role.group
    }
    own = [g.prefix for g in role.grants if g.prefix != PRIVATE_FOLDER and g.prefix not in shared]
    return {"access": role.level, "precedence": role.precedence, "folders": own, "shared_folders": shared}


def _unlisted(unlisted: UnlistedAccess) -> dict[str, Any]:
    """The pattern a client applies to a group of the user that `groups` does not name (Amplify's
    paths have no variable for a group's name): `<name>/` at the level, unless the name is
    refused (the Lambda's rule: `reserved` folders, `listed` names without case)."""
    return {
        "folder": UNLISTED_FOLDER,
        "access": unlisted.level,
        "actions": _actions(unlisted.capabilities),
        "listed": list(unlisted.listed),
        "reserved": list(unlisted.reserved),
    }


def _paths(access: EnvironmentAccess) -> dict[str, dict[str, list[str]]]:
    """Each group's folders for `groups<name>`; the caller's private folder for its owner."""
    paths: dict[str, dict[str, list[str]]] = {}
    for role in access.roles:
        for grant in role.grants:
            if grant.prefix != PRIVATE_FOLDER:
                paths.setdefault(grant.prefix + "*", {})[f"groups{role.group}"] = _actions(grant.capabilities)
    private = _private_capabilities(access)
    if private:
        paths[PRIVATE_PATH] = {OWNER: _actions(private)}
    return dict(sorted(paths.items()))


def _private_capabilities(access: EnvironmentAccess) -> tuple[str, ...]:
    roles: list[RoleAccess] = [*access.roles, *([access.no_group] if access.no_group else [])]
    found = [g.capabilities for role in roles for g in role.grants if g.prefix == PRIVATE_FOLDER]
    return found[0] if found else ()


def _actions(capabilities: tuple[str, ...]) -> list[str]:
    return [AMPLIFY_ACTIONS[capability] for capability in capabilities]
