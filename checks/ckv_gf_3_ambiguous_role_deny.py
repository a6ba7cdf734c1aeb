"""CKV_GF_3: every role mapping of an identity pool denies ambiguous role resolution.

With Token or Rules mapping, `ambiguous_role_resolution` decides what a user gets when the
token names no single role (no group, equal precedence, no matching rule): `Deny` gives no
credentials; `AuthenticatedRole` silently hands out the pool's default authenticated role.
The project may accept `AuthenticatedRole` deliberately (its accepted-findings file); this
check only reports it.

Every `role_mapping` block is judged: the provider accepts only the types Token and Rules,
so a type written as an expression is one of them too. A missing value fails. An attachment
without role mappings is not reported (UNKNOWN): the rule does not apply.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from gf_common import blocks, guideline, text

CHECK_ID = "CKV_GF_3"


class AmbiguousRoleResolutionDeny(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Cognito identity pool role mappings must set ambiguous_role_resolution = Deny",
            id=CHECK_ID,
            categories=(CheckCategories.IAM,),
            supported_resources=("aws_cognito_identity_pool_roles_attachment",),
            guideline=guideline(CHECK_ID),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        mappings = blocks(conf.get("role_mapping"))
        if not mappings:
            return CheckResult.UNKNOWN
        if all(text(m.get("ambiguous_role_resolution")) == "Deny" for m in mappings):
            return CheckResult.PASSED
        return CheckResult.FAILED

    def get_evaluated_keys(self) -> list[str]:
        return ["role_mapping"]


check = AmbiguousRoleResolutionDeny()
