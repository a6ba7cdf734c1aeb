"""The S3 action vocabulary: the one table every other view of actions is read from.

A template may grant only the actions listed here. Each row says what kind of resource
the action takes (the bucket, for listing; an object ARN otherwise), which capability a
reviewer sees it as, and what SSE-KMS needs for it. The checker's allow list, the KMS grant
and the report's capabilities are views of this table, so an action cannot pass the
checker without a capability or a KMS need (modelled on aws-cdk's aws-s3 `perms.ts` and
`bucket-grants.ts`, which pair each grant with the key actions it needs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["list", "object"]
Capability = Literal["list", "read", "write", "delete"]

DECRYPT, GENERATE_DATA_KEY = "kms:Decrypt", "kms:GenerateDataKey"


@dataclass(frozen=True)
class S3Action:
    name: str
    kind: Kind
    capability: Capability
    kms: tuple[str, ...] = ()


TABLE: tuple[S3Action, ...] = (
    S3Action("s3:ListBucket", "list", "list"),
    S3Action("s3:ListBucketVersions", "list", "list"),
    S3Action("s3:GetObject", "object", "read", (DECRYPT,)),
    S3Action("s3:GetObjectVersion", "object", "read", (DECRYPT,)),
    S3Action("s3:GetObjectTagging", "object", "read"),
    # A multipart upload decrypts its parts to assemble them: Decrypt as well as GenerateDataKey.
    S3Action("s3:PutObject", "object", "write", (DECRYPT, GENERATE_DATA_KEY)),
    S3Action("s3:PutObjectTagging", "object", "write"),
    S3Action("s3:AbortMultipartUpload", "object", "write"),
    S3Action("s3:ListMultipartUploadParts", "object", "write"),
    S3Action("s3:DeleteObject", "object", "delete"),
)
WHERE = "the S3 action table (modules/policies/actions.py)"

BY_NAME = {action.name: action for action in TABLE}
LIST_ACTIONS = frozenset(a.name for a in TABLE if a.kind == "list")
OBJECT_ACTIONS = frozenset(a.name for a in TABLE if a.kind == "object")
CAPABILITY_NAMES: tuple[Capability, ...] = ("list", "read", "write", "delete")
KMS_ACTIONS = (DECRYPT, GENERATE_DATA_KEY)
# The HTTP methods of a browser's requests for each capability: a bucket's CORS AllowedMethods.
# Listing is a GET on the bucket; a multipart upload POSTs to start and finish, PUTs each part.
HTTP_METHODS: dict[Capability, tuple[str, ...]] = {
    "list": ("GET",),
    "read": ("GET", "HEAD"),
    "write": ("PUT", "POST"),
    "delete": ("DELETE",),
}
HTTP_METHOD_ORDER = ("GET", "HEAD", "PUT", "POST", "DELETE")


def capabilities(actions: set[str] | frozenset[str] | tuple[str, ...]) -> tuple[Capability, ...]:
    """What a reviewer reads `actions` as, in CAPABILITY_NAMES order."""
    found = {BY_NAME[name].capability for name in actions}
    return tuple(c for c in CAPABILITY_NAMES if c in found)


def kms_needs(actions: set[str] | frozenset[str]) -> list[str]:
    """The key actions that SSE-KMS needs for `actions`, in a fixed order."""
    needed = {kms for name in actions if name in BY_NAME for kms in BY_NAME[name].kms}
    return [kms for kms in KMS_ACTIONS if kms in needed]


def http_methods(actions: Iterable[str]) -> tuple[str, ...]:
    """The HTTP methods that `actions` (S3 actions of this table; others are ignored) take, in
    HTTP_METHOD_ORDER."""
    found = capabilities(frozenset(name for name in actions if name in BY_NAME))
    needed = {method for capability in found for method in HTTP_METHODS[capability]}
    return tuple(method for method in HTTP_METHOD_ORDER if method in needed)
