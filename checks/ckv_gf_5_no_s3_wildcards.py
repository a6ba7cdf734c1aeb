"""CKV_GF_5: an Allow statement reaches S3 only through folders: S3 resource ARNs and
`s3:prefix` values contain no wildcard except one trailing `*` directly after a `/`, no
`s3:prefix` value is empty, and no NotResource is used.

A folder is granted as `arn:aws:s3:::bucket/folder/*` and listed with `s3:prefix` `folder/`,
`folder/*`. Any other `*` or `?` grants more than a folder: `bucket/*` (the whole bucket),
`bucket/fin*` (also `finance/`), `arn:aws:s3:::*` (every bucket), `f?n/`, `*`. An empty
`s3:prefix` lists the top of the bucket: every folder's name. NotResource grants everything
except what it names (`NotResource: bucket/private/*` with s3:GetObject reads every other
object of every bucket).

- Only Allow statements are judged: a Deny narrows access, and the bucket's TLS-only
  statement legitimately denies `arn:aws:s3:::bucket/*`.
- IAM policy variables (`${cognito-identity.amazonaws.com:sub}`, written `$${...}` in a
  Terraform JSON string and `&{...}` in aws_iam_policy_document) are not wildcards, and
  neither are Terraform references (`${aws_s3_bucket.b.id}`): their value is unknown here.
- A principal tag (`${aws:PrincipalTag/k}`) stands for one folder, ending in `/`, only where
  the statement requires it to: StringLike `aws:PrincipalTag/k` `?*/` (a non-empty value
  ending in `/`; `tags` mode). Then `bucket/${aws:PrincipalTag/k}*` is a folder's objects;
  without that condition an empty or slash-less tag would widen it, and it fails.
- S3 resources are ARNs of the s3 service in any partition, plus resources that start with
  a reference to a bucket's ARN (`${aws_s3_bucket.b.arn}/*`, which `.tf` jsonencode reaches
  as `aws_s3_bucket.b.arn/*`). A bare `*` Resource is not an S3 ARN and is left to
  checkov's built-in CKV_AWS_356.
- NotResource (`not_resources`) fails when the statement can reach S3: an S3 action
  (`s3:...`, `*`), NotAction, or an S3 ARN among the excluded resources.
- `s3:prefix` values are judged whatever the operator (with StringEquals they are literal,
  but a prefix with a wildcard character is rejected by the project anyway).

Statements with neither an S3 resource, an `s3:prefix` value nor such a NotResource are
not subject to the rule; a document without any is not reported (UNKNOWN). Same policy
sources as CKV_GF_2.
"""

from __future__ import annotations

import re

import gf_common
from gf_common import InlinePolicyResourceCheck, PolicyDocumentDataCheck, Statement

CHECK_ID = "CKV_GF_5"
NAME = "S3 access only through folders: no wildcard but a trailing '/*', no empty s3:prefix, no NotResource"

_S3_ARN = re.compile(r"^arn:[^:]*:s3:")
_BUCKET_ARN_REFERENCE = re.compile(r"^(?:\$\{)?(?:data\.)?aws_s3_bucket\.[\w-]+\.arn\b")
# ${...} (IAM variable or Terraform reference), $${...} (escaped IAM variable), &{...}
_VARIABLE = re.compile(r"(?:\$\$?|&)\{[^{}]*\}")
_PRINCIPAL_TAG = re.compile(r"(?:\$\$?|&)\{aws:PrincipalTag/([^{}]+)\}", re.IGNORECASE)
_TAG_KEY = "aws:principaltag/"
NON_EMPTY_FOLDER = ("?*/",)


def _folder_tags(statement: Statement) -> frozenset[str]:
    """The principal tags that this statement only matches while they hold a folder."""
    return frozenset(
        c.variable[len(_TAG_KEY) :].lower()
        for c in statement.conditions
        if c.test == "StringLike" and c.variable.lower().startswith(_TAG_KEY) and c.values == NON_EMPTY_FOLDER
    )


def _literal(value: str, folder_tags: frozenset[str]) -> str:
    # Replace variables by a plain character so that their braces and names are not judged;
    # a tag that must hold a folder by "v/", so that its trailing `*` is a folder's `/*`.
    value = _PRINCIPAL_TAG.sub(lambda m: "v/" if m.group(1).lower() in folder_tags else "v", value)
    return _VARIABLE.sub("v", value)


def _has_wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def _key_ok(key: str) -> bool:
    """An object key prefix: no wildcard, except a single `*` right after a trailing `/`."""
    stem = key.removesuffix("*") if key.endswith("/*") else key
    return not _has_wildcard(stem)


def _prefix_ok(prefix: str, folder_tags: frozenset[str]) -> bool:
    literal = _literal(prefix, folder_tags)
    return bool(literal) and _key_ok(literal)


def _is_s3_resource(resource: str) -> bool:
    return bool(_S3_ARN.match(resource) or _BUCKET_ARN_REFERENCE.match(resource))


def _broad_not_resource(statement: Statement) -> bool:
    """NotResource on a statement that can reach S3 (NotAction leaves `actions` empty)."""
    reaches_s3 = not statement.actions or any(
        a == "*" or a.lower().startswith("s3:") for a in statement.actions
    )
    return bool(statement.not_resources) and (
        reaches_s3 or any(map(_is_s3_resource, statement.not_resources))
    )


def _s3_resource_ok(resource: str, folder_tags: frozenset[str]) -> bool:
    # "arn:aws:s3:::bucket/key": the bucket part takes no wildcard at all, the key the rule above.
    head, _, key = _literal(resource, folder_tags).partition("/")
    return not _has_wildcard(head) and _key_ok(key)


def no_s3_wildcards(statement: Statement) -> bool | None:
    if not statement.allows:
        return None
    if _broad_not_resource(statement):
        return False
    resources = [r for r in statement.resources if _is_s3_resource(r)]
    prefixes = [v for c in statement.conditions_on("s3:prefix") for v in c.values]
    if not resources and not prefixes:
        return None
    tags = _folder_tags(statement)
    return all(_s3_resource_ok(r, tags) for r in resources) and all(_prefix_ok(p, tags) for p in prefixes)


data_check = PolicyDocumentDataCheck(CHECK_ID, NAME, no_s3_wildcards)
resource_check = InlinePolicyResourceCheck(
    CHECK_ID, NAME, no_s3_wildcards, gf_common.PERMISSION_POLICY_ATTRIBUTES
)
