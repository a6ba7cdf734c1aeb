"""The identity pool, the trust every role shares, the no-group role and the role attachment."""

from __future__ import annotations

from collections.abc import Sequence

from constructs import Construct

from modules import naming
from modules.aws import (
    CognitoIdentityPool,
    CognitoIdentityPoolCognitoIdentityProviders,
    CognitoIdentityPoolProviderPrincipalTag,
    CognitoIdentityPoolRolesAttachment,
    CognitoIdentityPoolRolesAttachmentRoleMapping,
    CognitoIdentityPoolRolesAttachmentRoleMappingMappingRule,
)
from modules.config.model import IdentityPool
from modules.constructs.folder_role import FolderRole
from modules.constructs.policy_document import policy_document
from modules.constructs.user_pool import UserDirectory
from modules.policies.documents import Document

GROUPS_CLAIM = "cognito:groups"


class CognitoIdentity(Construct):
    """Exposes `pool_id` and `trust_json`, the assume-role document every role uses.

    `adopted`: the pool exists and the stack imports it with its roles attachment
    (modules.adoption); it keeps its own name, and takes these settings and the role mapping.
    """

    def __init__(
        self,
        scope: Construct,
        *,
        pool_name: str,
        directory: UserDirectory,
        trust: Document,
        adopted: bool = False,
    ) -> None:
        super().__init__(scope, "cognito_identity")
        pool = CognitoIdentityPool(
            self,
            naming.IDENTITY_POOL,
            identity_pool_name=pool_name,
            allow_unauthenticated_identities=False,
            allow_classic_flow=False,
            cognito_identity_providers=[
                CognitoIdentityPoolCognitoIdentityProviders(
                    client_id=directory.client_id,
                    provider_name=directory.provider_name,
                    server_side_token_check=True,
                )
            ],
            lifecycle={"ignore_changes": ["identity_pool_name"]} if adopted else None,
        )
        self.pool_id = pool.id
        self.trust_json = policy_document(self, naming.COGNITO_TRUST, trust).json
        self._directory = directory

    def attach_roles(
        self,
        settings: IdentityPool,
        *,
        no_group_role: FolderRole,
        rules: Sequence[tuple[str, str]],
    ) -> None:
        """The one role attachment of the pool. `rules`: (group name, role ARN) in the order
        Cognito tries them; used with role_mapping rules only."""
        directory = self._directory
        CognitoIdentityPoolRolesAttachment(
            self,
            naming.ROLE_ATTACHMENT,
            identity_pool_id=self.pool_id,
            roles={"authenticated": no_group_role.role.arn},
            role_mapping=[
                CognitoIdentityPoolRolesAttachmentRoleMapping(
                    identity_provider=f"{directory.provider_name}:{directory.client_id}",
                    # tags: Token, and every group carries the one folders role.
                    type="Rules" if settings.role_mapping == "rules" else "Token",
                    ambiguous_role_resolution=settings.ambiguous_role_resolution,
                    mapping_rule=_rules(rules) if settings.role_mapping == "rules" else None,
                )
            ],
        )

    def map_principal_tags(self, tag_keys: Sequence[str]) -> None:
        """tags mode: each ID-token claim of these names becomes the principal tag of the same
        name; nothing else (use_defaults false: no username or client id tags)."""
        CognitoIdentityPoolProviderPrincipalTag(
            self,
            naming.PRINCIPAL_TAGS,
            identity_pool_id=self.pool_id,
            identity_provider_name=self._directory.provider_name,
            principal_tags={key: key for key in tag_keys},
            use_defaults=False,
        )


def _rules(
    rules: Sequence[tuple[str, str]],
) -> list[CognitoIdentityPoolRolesAttachmentRoleMappingMappingRule]:
    """`Equals`: AWS documents Contains/StartsWith only as "the claim must contain / start
    with the value" and not how they treat the cognito:groups array, so "fin" could
    match "finance". Equals can never match another group's name; at worst a user in
    several groups matches no rule and ambiguous resolution applies (Deny by default).
    """
    return [
        CognitoIdentityPoolRolesAttachmentRoleMappingMappingRule(
            claim=GROUPS_CLAIM, match_type="Equals", value=group, role_arn=role_arn
        )
        for group, role_arn in rules
    ]
