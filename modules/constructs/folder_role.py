"""An IAM role with its policy document and inline policy: group roles and the no-group role."""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from modules import naming
from modules.aws import IamRole, IamRolePolicy
from modules.constructs.policy_document import policy_document
from modules.policies.documents import Document

INLINE_POLICY_NAME = "folders"


class FolderRole(Construct):
    """`<base>_role`, and with a policy `<base>_permissions` and `<base>_policy`."""

    def __init__(
        self,
        scope: Construct,
        base: str,
        *,
        role_name: str,
        description: str,
        trust_json: str,
        policy: Document | None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """`tags`: with folder_guard, the role tags that name the role's folders."""
        super().__init__(scope, base + "_folders")
        self.role = IamRole(
            self,
            base + naming.ROLE,
            name=role_name,
            description=description,
            assume_role_policy=trust_json,
            tags=dict(tags) if tags else None,
        )
        if policy is None:
            return
        permissions = policy_document(self, base + naming.PERMISSIONS, policy)
        IamRolePolicy(
            self,
            base + naming.POLICY,
            name=INLINE_POLICY_NAME,
            role=self.role.id,
            policy=permissions.json,
        )
