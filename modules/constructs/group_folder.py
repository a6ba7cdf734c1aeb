"""One group: its Cognito group, and the IAM role its members receive."""

from __future__ import annotations

from constructs import Construct

from modules import naming
from modules.aws import CognitoUserGroup, DataAwsIamPolicyDocument, IamRole, IamRolePolicy
from modules.config.model import Environment, Group
from modules.constructs.addresses import pinned
from modules.constructs.policy_document import policy_document
from modules.policies.documents import group_policy


class GroupFolder(Construct):
    def __init__(
        self,
        scope: Construct,
        environment: Environment,
        group: Group,
        *,
        user_pool_id: str,
        trust: DataAwsIamPolicyDocument,
        key_arn: str | None,
    ) -> None:
        tf_id = naming.terraform_id(group.name)
        super().__init__(scope, tf_id)
        self.role = pinned(
            IamRole(
                self,
                "role",
                name=naming.role_name(environment, group),
                description=f"Members of Cognito group {group.name} ({environment.name})",
                assume_role_policy=trust.json,
            ),
            tf_id + naming.ROLE,
        )
        permissions = policy_document(
            self, tf_id + naming.PERMISSIONS, group_policy(environment, group, key_arn)
        )
        pinned(
            IamRolePolicy(self, "policy", name="folders", role=self.role.id, policy=permissions.json),
            tf_id + naming.POLICY,
        )
        pinned(
            CognitoUserGroup(
                self,
                "cognito_group",
                name=group.name,
                description=group.description or None,
                precedence=group.precedence,
                role_arn=self.role.arn,
                user_pool_id=user_pool_id,
            ),
            tf_id,
        )
