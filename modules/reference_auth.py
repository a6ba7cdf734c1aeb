"""The `amplify_reference_auth` output: the props of Amplify Gen 2's `referenceAuth`.

An Amplify Gen 2 backend uses existing auth through `referenceAuth({userPoolId, identityPoolId,
userPoolClientId, authRoleArn, unauthRoleArn, groups})` (`@aws-amplify/backend`, type
`ReferenceAuthProps`); this output holds those keys in that order. `authRoleArn` is the pool's
authenticated role, which here is the role of users in no group; `groups` maps each group to the
role it carries. `unauthRoleArn` is absent: the identity pool refuses guests and has no
unauthenticated role (README, "Amplify Gen 2: referenceAuth", says what that means for Amplify).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modules.client_config import ClientIds


def reference_auth(
    ids: ClientIds, *, auth_role_arn: str, group_role_arns: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "userPoolId": ids.user_pool_id,
        "identityPoolId": ids.identity_pool_id,
        "userPoolClientId": ids.user_pool_client_id,
        "authRoleArn": auth_role_arn,
        "groups": dict(group_role_arns),
    }
