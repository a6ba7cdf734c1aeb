"""One Cognito group and the role its members receive."""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from modules import naming
from modules.aws import CognitoUserGroup
from modules.config.model import Group
from modules.constructs.folder_role import FolderRole
from modules.policies.documents import Document


class CognitoGroupWithRole(Construct):
    """`group_<name>` (the Cognito group) and its FolderRole `group_<name>_role`."""

    def __init__(
        self,
        scope: Construct,
        group: Group,
        *,
        role_name: str,
        environment_name: str,
        user_pool_id: str,
        trust_json: str,
        policy: Document,
        tags: Mapping[str, str],
    ) -> None:
        """`tags`: the role's tags (folder_guard: its folders)."""
        base = naming.terraform_id(group.name)
        super().__init__(scope, base)
        self.role = FolderRole(
            self,
            base,
            role_name=role_name,
            description=f"Members of Cognito group {group.name} ({environment_name})",
            trust_json=trust_json,
            policy=policy,
            tags=tags,
        ).role
        cognito_group(self, group, role_arn=self.role.arn, user_pool_id=user_pool_id)


def cognito_group(scope: Construct, group: Group, *, role_arn: str, user_pool_id: str) -> CognitoUserGroup:
    """`group_<name>`: the Cognito group, carrying `role_arn` (its own role, or in tags mode the
    folders role every group shares)."""
    return CognitoUserGroup(
        scope,
        naming.terraform_id(group.name),
        name=group.name,
        description=group.description or None,
        precedence=group.precedence,
        role_arn=role_arn,
        user_pool_id=user_pool_id,
    )
