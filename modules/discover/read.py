"""What `discover` reads from AWS: read-only calls, nothing else (a test holds it to that)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from modules import sdk

# The only operations discover calls; every one reads.
READ_OPERATIONS = frozenset(
    {
        "ListGroups",
        "ListUserPoolClients",
        "ListObjectsV2",
        "GetBucketVersioning",
        "GetBucketEncryption",
        "ListRolePolicies",
        "GetRolePolicy",
        "ListAttachedRolePolicies",
        "GetPolicy",
        "GetPolicyVersion",
        "DescribeIdentityPool",
        "GetIdentityPoolRoles",
    }
)


@dataclass(frozen=True)
class PoolGroup:
    name: str
    precedence: int | None  # Cognito allows a group without one
    description: str
    role_arn: str | None


@dataclass(frozen=True)
class RolePolicy:
    """Every statement of a role's inline and attached policies, or why they could not be read."""

    role_arn: str
    statements: tuple[dict[str, Any], ...]
    error: str | None = None


@dataclass(frozen=True)
class IdentityPoolRoles:
    identity_pool_id: str
    client_ids: tuple[str, ...]  # the app clients of our user pool that the identity pool trusts
    authenticated_role: str | None
    mapping_type: str | None  # Token | Rules | None: no role mapping for the user pool
    ambiguous_role_resolution: str | None


@dataclass(frozen=True)
class Estate:
    region: str
    user_pool_id: str
    client_ids: tuple[str, ...]
    groups: tuple[PoolGroup, ...]  # by name
    bucket: str
    folders: tuple[str, ...]  # top-level folders, `name/`, sorted
    versioned: bool
    kms_key_id: str | None  # the bucket's default SSE-KMS key as S3 names it; None: SSE-S3
    policies: tuple[RolePolicy, ...]  # one per distinct group role, by ARN
    identity_pool: IdentityPoolRoles | None

    def policy(self, role_arn: str) -> RolePolicy:
        return next(policy for policy in self.policies if policy.role_arn == role_arn)


def read_estate(
    session: Any, *, user_pool_id: str, bucket: str, identity_pool_id: str | None, region: str
) -> Estate:
    idp, s3, iam = session.client("cognito-idp"), session.client("s3"), session.client("iam")
    groups = tuple(sorted(_groups(idp, user_pool_id), key=lambda group: group.name))
    roles = sorted({group.role_arn for group in groups if group.role_arn})
    return Estate(
        region=region,
        user_pool_id=user_pool_id,
        client_ids=tuple(
            sorted(
                client["ClientId"]
                for page in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=user_pool_id)
                for client in page["UserPoolClients"]
            )
        ),
        groups=groups,
        bucket=bucket,
        folders=tuple(sorted(_folders(s3, bucket))),
        versioned=s3.get_bucket_versioning(Bucket=bucket).get("Status") in ("Enabled", "Suspended"),
        kms_key_id=_kms_key(s3, bucket),
        policies=tuple(_role_policy(iam, arn) for arn in roles),
        identity_pool=None
        if identity_pool_id is None
        else _identity_pool(session.client("cognito-identity"), identity_pool_id, user_pool_id, region),
    )


def _groups(idp: Any, user_pool_id: str) -> Iterator[PoolGroup]:
    for page in idp.get_paginator("list_groups").paginate(UserPoolId=user_pool_id):
        for group in page["Groups"]:
            yield PoolGroup(
                name=group["GroupName"],
                precedence=group.get("Precedence"),
                description=group.get("Description", ""),
                role_arn=group.get("RoleArn"),
            )


def _folders(s3: Any, bucket: str) -> Iterator[str]:
    """The bucket's top-level folders: the common prefixes of a listing with the `/` delimiter."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Delimiter="/"):
        for prefix in page.get("CommonPrefixes", []):
            yield prefix["Prefix"]


def _kms_key(s3: Any, bucket: str) -> str | None:
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    except sdk.client_error() as error:
        if _code(error) == "ServerSideEncryptionConfigurationNotFoundError":
            return None
        raise
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault", {})
        if default.get("SSEAlgorithm", "").startswith("aws:kms"):
            return default.get("KMSMasterKeyID", "aws/s3")
    return None


def _role_policy(iam: Any, role_arn: str) -> RolePolicy:
    name = role_arn.rpartition("/")[2]
    try:
        statements = [*_inline_statements(iam, name), *_attached_statements(iam, name)]
    except sdk.client_error() as error:
        return RolePolicy(role_arn, (), f"its policies could not be read ({_code(error)})")
    return RolePolicy(role_arn, tuple(statements))


def _inline_statements(iam: Any, role: str) -> Iterator[dict[str, Any]]:
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role):
        for policy in page["PolicyNames"]:
            yield from _statements(iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"])


def _attached_statements(iam: Any, role: str) -> Iterator[dict[str, Any]]:
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role):
        for attached in page["AttachedPolicies"]:
            arn = attached["PolicyArn"]
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
            yield from _statements(document)


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _identity_pool(cognito: Any, identity_pool_id: str, user_pool_id: str, region: str) -> IdentityPoolRoles:
    provider = f"cognito-idp.{region}.amazonaws.com/{user_pool_id}"
    described = cognito.describe_identity_pool(IdentityPoolId=identity_pool_id)
    clients = tuple(
        sorted(
            p["ClientId"]
            for p in described.get("CognitoIdentityProviders", [])
            if p.get("ProviderName") == provider
        )
    )
    roles = cognito.get_identity_pool_roles(IdentityPoolId=identity_pool_id)
    mappings = [
        mapping
        for key, mapping in sorted(roles.get("RoleMappings", {}).items())
        if key.startswith(f"{provider}:")
    ]
    return IdentityPoolRoles(
        identity_pool_id=identity_pool_id,
        client_ids=clients,
        authenticated_role=roles.get("Roles", {}).get("authenticated"),
        mapping_type=mappings[0]["Type"] if mappings else None,
        ambiguous_role_resolution=mappings[0].get("AmbiguousRoleResolution") if mappings else None,
    )


def _code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", "error"))
