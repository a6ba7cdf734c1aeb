"""The identity pool, the trust every group role shares, and the role attachment."""

from __future__ import annotations

from constructs import Construct

from modules import naming
from modules.aws import (
    CognitoIdentityPool,
    CognitoIdentityPoolCognitoIdentityProviders,
    CognitoIdentityPoolRolesAttachment,
    CognitoIdentityPoolRolesAttachmentRoleMapping,
    IamRole,
    IamRolePolicy,
)
from modules.config.model import Environment
from modules.constructs.addresses import pinned
from modules.constructs.policy_document import policy_document
from modules.constructs.user_pool import UserDirectory
from modules.policies.documents import no_group_policy, trust_policy


class IdentityAccess(Construct):
    """Exposes `trust`, the assume-role document that every group role uses."""

    def __init__(self, scope: Construct, environment: Environment, directory: UserDirectory) -> None:
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
        default_role = self._default_role(environment)
        # With Token mapping a user whose token names no role is "ambiguous": Cognito
        # then uses the default authenticated role, or denies. `deny` denies, and the
        # default role grants nothing either way; `private_only` must reach that role.
        resolution = (
            "AuthenticatedRole" if environment.identity_pool.users_without_group == "private_only" else "Deny"
        )
        pinned(
            CognitoIdentityPoolRolesAttachment(
                self,
                "roles",
                identity_pool_id=pool.id,
                roles={"authenticated": default_role.arn},
                role_mapping=[
                    CognitoIdentityPoolRolesAttachmentRoleMapping(
                        identity_provider=f"{directory.provider_name}:{directory.client_id}",
                        type="Token",
                        ambiguous_role_resolution=resolution,
                    )
                ],
            ),
            "identities_roles",
        )

    def _default_role(self, environment: Environment) -> IamRole:
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
        document = no_group_policy(environment)
        if document is not None:
            permissions = policy_document(self, "no_group_permissions", document)
            pinned(
                IamRolePolicy(self, "default_policy", name="folders", role=role.id, policy=permissions.json),
                "no_group_policy",
            )
        return role
