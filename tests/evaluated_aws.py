"""AWS whose decisions are the synthesized policies': Cognito from moto, the identity pool's
role choice modelled on Cognito's documented Token rule, and S3 decided by principalmapper
(tests/iam_evaluator.py) over each role's synthesized policy and the bucket policy.

What is modelled rather than run, and why: moto issues credentials for no particular role
and enforces no IAM. The Token rule (the role of the member's group with the lowest
precedence; a tie, or no group, falls to the ambiguous role resolution) is written here from
Cognito's documentation, from the groups moto holds, not from our access model.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from modules import naming
from tests.iam_evaluator import evaluate, role_arn
from tests.stack_documents import bucket_policy, role_policy


@dataclass
class EvaluatedSession:
    """Like a boto3 session: moto for Cognito and the caller's own S3, the fakes for the rest."""

    moto: Any
    stack: dict[str, Any]
    environment: Any
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # role name → policy

    def __post_init__(self) -> None:
        for resource, body in self.stack["resource"]["aws_iam_role"].items():
            self.policies[body["name"]] = role_policy(self.stack, resource)

    def client(self, service: str, **options: Any) -> Any:
        if service == "cognito-identity":
            return _IdentityPool(self.moto.client(service), self.moto.client("cognito-idp"), self.environment)
        if service == "s3" and "aws_access_key_id" in options:
            role, identity = options["aws_access_key_id"], options["aws_session_token"]
            s3 = self.moto.client("s3")
            return _EvaluatedS3(self.policies[role], bucket_policy(self.stack), role, identity, s3)
        return self.moto.client(service, **options)


@dataclass
class _IdentityPool:
    moto: Any
    idp: Any
    environment: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.moto, name)

    def get_credentials_for_identity(self, IdentityId: str, Logins: dict[str, str]) -> dict[str, Any]:
        ((provider, token),) = Logins.items()
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        pool = provider.rpartition("/")[2]
        groups = self.idp.admin_list_groups_for_user(UserPoolId=pool, Username=claims["cognito:username"])[
            "Groups"
        ]
        ordered = sorted(groups, key=lambda group: group["Precedence"])
        tied = len(ordered) > 1 and ordered[0]["Precedence"] == ordered[1]["Precedence"]
        if ordered and not tied:
            role = ordered[0]["RoleArn"].rpartition("/")[2]
        elif self.environment.identity_pool.users_without_group == "private_only":
            role = naming.default_role_name(self.environment)
        else:
            raise ClientError(
                {"Error": {"Code": "InvalidIdentityPoolConfigurationException", "Message": "no role"}},
                "GetCredentialsForIdentity",
            )
        return {"Credentials": {"AccessKeyId": role, "SecretKey": "fake", "SessionToken": IdentityId}}


@dataclass
class _EvaluatedS3:
    policy: dict[str, Any]
    resource_policy: dict[str, Any]
    role: str
    identity: str
    backend: Any  # moto's S3, which holds the objects

    def _allowed(self, operation: str, action: str, resource: str, **context: str) -> None:
        keys = {
            "cognito-identity.amazonaws.com:sub": self.identity,
            "aws:SecureTransport": "true",
            "s3:TlsVersion": "1.3",
            **context,
        }
        if not evaluate(
            self.policy, action, resource, keys, self.resource_policy, principal_arn=role_arn(self.role)
        ):
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, operation)

    def list_objects_v2(self, Bucket: str, Prefix: str, MaxKeys: int) -> dict[str, Any]:
        self._allowed("ListObjectsV2", "s3:ListBucket", f"arn:aws:s3:::{Bucket}", **{"s3:prefix": Prefix})
        return self.backend.list_objects_v2(Bucket=Bucket, Prefix=Prefix, MaxKeys=MaxKeys)

    def put_object(self, Bucket: str, Key: str, Body: bytes) -> dict[str, Any]:
        self._allowed("PutObject", "s3:PutObject", f"arn:aws:s3:::{Bucket}/{Key}")
        return self.backend.put_object(Bucket=Bucket, Key=Key, Body=Body)

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self._allowed("GetObject", "s3:GetObject", f"arn:aws:s3:::{Bucket}/{Key}")
        try:
            return self.backend.get_object(Bucket=Bucket, Key=Key)
        except self.backend.exceptions.NoSuchKey:
            # S3 says NoSuchKey only to a caller who may list; AccessDenied otherwise.
            self._allowed("GetObject", "s3:ListBucket", f"arn:aws:s3:::{Bucket}", **{"s3:prefix": Key})
            raise

    def delete_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self._allowed("DeleteObject", "s3:DeleteObject", f"arn:aws:s3:::{Bucket}/{Key}")
        return self.backend.delete_object(Bucket=Bucket, Key=Key)
