"""CKV_GF_2: the `s3:prefix` condition key appears only in statements whose actions are all
list actions (`s3:ListBucket`, `s3:ListBucketVersions`).

`s3:prefix` is a condition key of the list actions only. On an object action (GetObject,
PutObject, ...) the key is absent from the request, so the condition never matches: an Allow
silently grants nothing and a Deny silently protects nothing. Object actions must be scoped
by their Resource ARN instead. This applies to Allow and Deny statements alike.

A statement with `s3:prefix` fails if it has no actions, uses NotAction, or has any action
other than the two list actions (action names compared case-insensitively; a wildcard such as
`s3:List*` fails because it also covers other actions). Statements without `s3:prefix` are not
subject to the rule; a document without any is not reported (UNKNOWN). Policies are read
from `aws_iam_policy_document` data sources and from inline `policy` JSON of
`aws_iam_role_policy`, `aws_iam_policy` and `aws_s3_bucket_policy`.
"""

from __future__ import annotations

import gf_common
from gf_common import InlinePolicyResourceCheck, PolicyDocumentDataCheck, Statement

CHECK_ID = "CKV_GF_2"
NAME = "s3:prefix conditions only on s3:ListBucket / s3:ListBucketVersions statements"
LIST_ACTIONS = frozenset({"s3:listbucket", "s3:listbucketversions"})


def prefix_only_on_list_actions(statement: Statement) -> bool | None:
    if not statement.conditions_on("s3:prefix"):
        return None
    actions = {action.lower() for action in statement.actions}
    return bool(actions) and actions <= LIST_ACTIONS  # no actions: NotAction, i.e. almost everything


data_check = PolicyDocumentDataCheck(CHECK_ID, NAME, prefix_only_on_list_actions)
resource_check = InlinePolicyResourceCheck(
    CHECK_ID, NAME, prefix_only_on_list_actions, gf_common.PERMISSION_POLICY_ATTRIBUTES
)
