"""AWS for the discover and verify tests: moto (in-process), a session that records every
operation called, and what moto lacks (GetIdentityPoolRoles), answered from what was set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto import mock_aws

REGION = "eu-west-1"


@dataclass
class RecordingSession:
    """A boto3 session whose clients record each operation's name; `extra` adds methods to a
    service's client (what moto does not implement)."""

    session: Any
    calls: list[str] = field(default_factory=list)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client(self, service: str, **options: Any) -> Any:
        client = self.session.client(service, **options)
        client.meta.events.register("before-call.*.*", self._record)
        return _Extended(client, self.extra.get(service, {})) if service in self.extra else client

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)


class _Extended:
    def __init__(self, client: Any, methods: dict[str, Any]) -> None:
        self._client, self._methods = client, methods

    def __getattr__(self, name: str) -> Any:
        return self._methods.get(name) or getattr(self._client, name)


@contextmanager
def moto_session() -> Iterator[Any]:
    with mock_aws():
        yield boto3.session.Session(
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's
        )


BUCKET = "acme-files"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"


@dataclass(frozen=True)
class Seed:
    pool_id: str
    client_id: str
    roles: dict[str, str]  # group name → its role's ARN


def seed_estate(session: Any) -> Seed:
    """The estate discover was built for: groups, a bucket with a folder per group (and one
    without a group), each group's role with a policy of its own.

    finance: exactly `read` (inline); analysts: `readwrite` plus s3:DeleteObjectVersion
    (attached, managed); uploads: no role, no precedence, no folder; `has space`: a name
    groupfolders cannot use."""
    from modules.policies.documents import RoleScope, group_policy  # noqa: PLC0415

    idp, iam, s3 = session.client("cognito-idp"), session.client("iam"), session.client("s3")
    pool = idp.create_user_pool(PoolName="estate")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    for key in ("finance/a.txt", "analysts/b.txt", "archive/c.txt", "private/x/y.txt", "top.txt"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"seed")
    scope = RoleScope(BUCKET_ARN, True, REGION, None, True)
    finance = iam.create_role(RoleName="finance-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    read = group_policy("read", ("finance/",), scope)
    iam.put_role_policy(RoleName="finance-role", PolicyName="files", PolicyDocument=json.dumps(read))
    analysts = iam.create_role(RoleName="analysts-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    wide = group_policy("readwrite", ("analysts/",), scope)
    wide["Statement"].append(
        {"Effect": "Allow", "Action": "s3:DeleteObjectVersion", "Resource": f"{BUCKET_ARN}/analysts/*"}
    )
    managed = iam.create_policy(PolicyName="analysts-files", PolicyDocument=json.dumps(wide))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="analysts-role", PolicyArn=managed)
    idp.create_group(
        UserPoolId=pool, GroupName="finance", Precedence=10, RoleArn=finance, Description='Reports: "Q1"\n'
    )
    idp.create_group(UserPoolId=pool, GroupName="analysts", Precedence=20, RoleArn=analysts)
    idp.create_group(UserPoolId=pool, GroupName="uploads")
    idp.create_group(UserPoolId=pool, GroupName="has space", Precedence=5)
    return Seed(pool, client, {"finance": finance, "analysts": analysts})


@dataclass(frozen=True)
class Deployed:
    pool_id: str
    client_id: str
    identity_pool_id: str
    roles: dict[str, str]  # group name → the ARN of the role its members receive


def deploy_to_moto(session: Any, environment: Any) -> Deployed:
    """What `terraform apply` would leave for `environment` (a new pool), by the names
    groupfolders gives: pool, app client, identity pool, groups with their roles, bucket."""
    from modules import naming  # noqa: PLC0415

    idp, iam, s3 = session.client("cognito-idp"), session.client("iam"), session.client("s3")
    pool = idp.create_user_pool(PoolName=environment.user_pool.name)["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName=naming.user_pool_client_name(environment),
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    identity_pool = session.client("cognito-identity").create_identity_pool(
        IdentityPoolName=naming.identity_pool_name(environment),
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {"ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pool}", "ClientId": client}
        ],
    )["IdentityPoolId"]
    roles = {}
    for group in environment.groups_by_name:
        name = naming.group_role_name(environment, group)
        try:
            roles[group.name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            roles[group.name] = iam.get_role(RoleName=name)["Role"]["Arn"]
        idp.create_group(
            UserPoolId=pool, GroupName=group.name, Precedence=group.precedence, RoleArn=roles[group.name]
        )
    s3.create_bucket(
        Bucket=environment.bucket.bucket_name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3.put_bucket_versioning(
        Bucket=environment.bucket.bucket_name, VersioningConfiguration={"Status": "Enabled"}
    )
    return Deployed(pool, client, identity_pool, roles)
