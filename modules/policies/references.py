"""What the documents name that only Terraform knows before apply, and stand-ins for it.

The same `References` shape serves validation and the report (placeholders of the
longest realistic size, so that measuring a document measures what AWS will see) and the
stack (Terraform references to the blocks declared in `modules.naming`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from modules import limits, naming
from modules.config.model import Environment


@dataclass(frozen=True)
class References:
    bucket_arn: str
    key_arn: str | None  # the bucket's customer managed key; None with SSE-S3
    role_arns: Mapping[str, str]  # group name → ARN of its role (tags mode: the folders role)
    role_ids: Mapping[str, str]  # group name → unique id of the same role (AROA...)
    no_group_role_arn: str  # the role of authenticated users in no group
    no_group_role_id: str
    identity_pool_id: str


def placeholder_references(environment: Environment) -> References:
    """Stand-ins sized like the real values: the longest region, a 12-digit account."""
    bucket = environment.bucket
    key_arn = bucket.kms_key_arn or (limits.KMS_KEY_ARN if bucket.encrypted_with_kms else None)
    roles = {group.name: naming.group_role_name(environment, group) for group in environment.groups}
    no_group = naming.default_role_name(environment)
    return References(
        bucket_arn=bucket.arn,
        key_arn=key_arn,
        role_arns={group: _role_arn(role) for group, role in roles.items()},
        role_ids={group: placeholder_role_id(role) for group, role in roles.items()},
        no_group_role_arn=_role_arn(no_group),
        no_group_role_id=placeholder_role_id(no_group),
        identity_pool_id=limits.LONGEST_IDENTITY_POOL_ID,
    )


def _role_arn(name: str) -> str:
    return f"arn:aws:iam::{limits.ACCOUNT_ID}:role/{name}"


def placeholder_role_id(name: str) -> str:
    """A stand-in for the unique id IAM gives the role `name`: `AROA` and 17 more letters and
    digits (21 in all, as IAM's role ids are), derived from the name."""
    digest = base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()
    return limits.ROLE_ID_PREFIX + digest[: limits.ROLE_ID_LENGTH - len(limits.ROLE_ID_PREFIX)]
