"""The identity pool, the trust every group role shares, and the role attachment."""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from modules import naming
from modules.aws import (
    CognitoIdentityPool,
    CognitoIdentityPoolCognitoIdentityProviders,
    CognitoIdentityPoolRolesAttachment,
    CognitoIdentityPoolRolesAttachmentRoleMapping,
    CognitoIdentityPoolRolesAttachmentRoleMappingMappingRule,
    IamRole,
    IamRolePolicy,
)
from modules.config.model import Environment
from modules.constructs.addresses import pinned
from modules.constructs.policy_document import policy_document
from modules.constructs.user_pool import UserDirectory
from modules.policies.documents import no_group_policy, trust_policy

GROUPS_CLAIM = "cognito:groups"


class IdentityAccess(Construct):
    """Exposes `trust`, the assume-role document that every group role uses."""

    def __init__(
        self, scope: Construct, environment: Environment, directory: UserDirectory, key_arn: str | None
    ) -> None:
        super().__init__(scope, "identity_access")
        pool = pinned(
            CognitoIdentityPool(
                self,
                "pool",
                identity_pool_name=naming.identity_pool_name(environment),
                allow_unauthenticated_identities=False,
                allow_classic_flow=False,
                cognito_identity_providers=[
                    CognitoIdentityPoolCognitoIdentityProviders(
                        client_id=directory.client_id,
                        provider_name=directory.provider_name,
                        server_side_token_check=True,
                    )
                ],
            ),
            "identities",
        )
        self.pool_id = pool.id
        self.trust = policy_document(self, "cognito_trust", trust_policy(pool.id))
        self._environment = environment
        self._directory = directory
        self.default_role = self._default_role(environment, key_arn)

    def attach_roles(self, group_roles: Mapping[str, IamRole]) -> None:
        """The one role attachment of the pool; Rules mapping needs every group's role."""
        environment, directory = self._environment, self._directory
        mapping_type = environment.identity_pool.role_mapping
        pinned(
            CognitoIdentityPoolRolesAttachment(
                self,
                "roles",
                identity_pool_id=self.pool_id,
                roles={"authenticated": self.default_role.arn},
                role_mapping=[
                    CognitoIdentityPoolRolesAttachmentRoleMapping(
                        identity_provider=f"{directory.provider_name}:{directory.client_id}",
                        type=mapping_type.capitalize(),
                        ambiguous_role_resolution=environment.identity_pool.ambiguous_role_resolution,
                        mapping_rule=_rules(environment, group_roles) if mapping_type == "rules" else None,
                    )
                ],
            ),
            "identities_roles",
        )

    def _default_role(self, environment: Environment, key_arn: str | None) -> IamRole:
        role = pinned(
            IamRole(
                self,
                "default_role",
                name=naming.default_role_name(environment),
                description=f"Authenticated users in no group ({environment.name})",
                assume_role_policy=self.trust.json,
            ),
            "no_group_role",
        )
        document = no_group_policy(environment, key_arn)
        if document is not None:
            permissions = policy_document(self, "no_group_permissions", document)
            pinned(
                IamRolePolicy(self, "default_policy", name="folders", role=role.id, policy=permissions.json),
                "no_group_policy",
            )
        return role


def _rules(
    environment: Environment, group_roles: Mapping[str, IamRole]
) -> list[CognitoIdentityPoolRolesAttachmentRoleMappingMappingRule]:
    """One rule per group, lowest precedence first: Cognito applies the first rule that matches.

    `Equals`: AWS documents Contains/StartsWith only as "the claim must contain / start
    with the value" and not how they treat the cognito:groups array, so "fin" could
    match "finance". Equals can never match another group's name; at worst a user in
    several groups matches no rule and ambiguous resolution applies (Deny by default).
    """
    ordered = sorted(environment.groups, key=lambda group: (group.precedence, group.name))
    return [
        CognitoIdentityPoolRolesAttachmentRoleMappingMappingRule(
            claim=GROUPS_CLAIM, match_type="Equals", value=group.name, role_arn=group_roles[group.name].arn
        )
        for group in ordered
    ]
