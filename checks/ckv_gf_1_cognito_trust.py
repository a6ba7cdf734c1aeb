"""CKV_GF_1: a role trust policy federated to Cognito identity pools is pinned to one pool
and to authenticated identities.

Without `StringEquals cognito-identity.amazonaws.com:aud`, an identity from ANY identity pool
(any AWS account) can assume the role; without `ForAnyValue:StringLike
cognito-identity.amazonaws.com:amr = authenticated`, so can unauthenticated (guest) identities.

Scope: Allow statements whose Federated principal includes `cognito-identity.amazonaws.com`.
Other statements (service or AWS principals, Deny statements) are not subject to the rule and
are ignored; a document with no such statement is not reported (UNKNOWN), neither passed
nor failed. The amr values must be exactly `authenticated`: also allowing `unauthenticated`
fails. Trust policies are read from `aws_iam_policy_document` data sources and from inline
`aws_iam_role.assume_role_policy` (JSON string or jsonencode); a role that references a data
source is left to the data check.
"""

from __future__ import annotations

import gf_common
from gf_common import InlinePolicyResourceCheck, PolicyDocumentDataCheck, Statement

CHECK_ID = "CKV_GF_1"
NAME = "Cognito-federated role trust must pin the identity pool (aud) and authenticated identities (amr)"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"


def trust_is_pinned(statement: Statement) -> bool | None:
    if not statement.allows or COGNITO_IDENTITY not in statement.federated:
        return None
    audience = statement.values_of("StringEquals", f"{COGNITO_IDENTITY}:aud")
    amr = statement.values_of("ForAnyValue:StringLike", f"{COGNITO_IDENTITY}:amr")
    return bool(audience) and set(amr) == {"authenticated"}


data_check = PolicyDocumentDataCheck(CHECK_ID, NAME, trust_is_pinned)
resource_check = InlinePolicyResourceCheck(CHECK_ID, NAME, trust_is_pinned, gf_common.TRUST_POLICY_ATTRIBUTES)
