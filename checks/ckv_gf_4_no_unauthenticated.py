"""CKV_GF_4: an identity pool does not allow unauthenticated (guest) identities.

Guest identities get AWS credentials without signing in. groupfolders never needs them, and
a role trust policy that forgets the `amr` condition (see CKV_GF_1) would hand them a group's
folder.

`true` (bool or the string "true") fails; absent (the provider's default, false) or false
passes. A value that is still an unresolved expression (e.g. `${var.x}` in `.tf.json`, where
checkov does not resolve variables) is not reported (UNKNOWN), as checkov's own checks do.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck
from gf_common import scalar


class NoUnauthenticatedIdentities(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Cognito identity pool must not allow unauthenticated identities",
            id="CKV_GF_4",
            categories=(CheckCategories.IAM,),
            supported_resources=("aws_cognito_identity_pool",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        value = scalar(conf.get("allow_unauthenticated_identities", [False]))
        if isinstance(value, str):
            value = {"true": True, "false": False}.get(value.strip().lower(), value)
        if value is True:
            return CheckResult.FAILED
        if value is False:
            return CheckResult.PASSED
        return CheckResult.UNKNOWN

    def get_evaluated_keys(self) -> list[str]:
        return ["allow_unauthenticated_identities"]


check = NoUnauthenticatedIdentities()
