"""Probes on the data path: users signed in through the deployed pool, sessions for the roles
the access model names, and real S3 calls in every folder, compared with the access model.

What the emulator cannot decide as AWS would (policy variables: private folders, all of tags
mode) is recorded as not decidable, never as passed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import boto3
import jwt
from botocore.config import Config
from botocore.exceptions import ClientError
from pycognito import Cognito
from pycognito.aws_srp import AWSSRP

from modules.access_model import PRIVATE_FOLDER, EnvironmentAccess, Received, received
from modules.config.model import Environment
from modules.policies.principal_tags import UNUSED_SLOT, tag_slots
from tests.e2e.emulator import ACCOUNT, REGION, ROOT_KEY

PASSWORD = "Probe-Passw0rd!1"  # noqa: S105 - users of a throwaway emulator; meets the pools' policy
OTHER_IDENTITY = f"{REGION}:00000000-0000-4000-8000-000000000000"  # someone else's private folder
OTHER_PRIVATE = "private/<another identity>/"
SEED = "seed.txt"
DEPLOYER = "groupfolders-deployer"  # the example's exempt principal: seeds and empties the bucket
# The test's own roles (deployer, canaries): the account may assume them, tagging its sessions.
ACCOUNT_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
        }
    ],
}
CAPABILITY_ACTIONS = {
    "list": "s3:ListBucket",
    "read": "s3:GetObject",
    "write": "s3:PutObject",
    "delete": "s3:DeleteObject",
}
NOT_DECIDABLE_PRIVATE = "policy variable ${cognito-identity.amazonaws.com:sub} is not substituted"
NOT_DECIDABLE_TAGS = "tags mode: no session tags on web identity, ${aws:PrincipalTag/...} not substituted"
NOT_DECIDABLE_GUARD = "folder guard: aws:PrincipalArn is the session's ARN here, not its role's"


@dataclass(frozen=True)
class Case:
    member: tuple[str, ...]  # the member's groups
    folder: str  # a prefix, PRIVATE_FOLDER (the member's own) or OTHER_PRIVATE
    capability: str
    expected: bool  # the access model
    observed: bool  # the emulator, on a real S3 call
    not_decidable: str | None = None  # why the emulator cannot decide it as AWS would

    def described(self) -> str:
        verdict = "allowed" if self.observed else "denied"
        model = "allows" if self.expected else "denies"
        return f"{'+'.join(self.member)} {self.capability} {self.folder}: {verdict}, the model {model}"


@dataclass
class Member:
    groups: tuple[str, ...]
    username: str
    id_token: str = ""
    identity_id: str = ""
    open_id_token: str = ""
    role: str | None = None  # the role assumed, as the access model says
    lambda_claims: dict[str, str] | None = None  # tags mode: what the deployed Lambda returned
    expected_claims: dict[str, str] | None = None  # tags mode: what the model says it issues
    vended_role: str = ""  # the role GetCredentialsForIdentity chose (ARN of the session)


@dataclass
class Probe:
    members: list[Member] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    unseeded: list[str] = field(default_factory=list)  # keys the (exempt) deployer could not write

    @property
    def mismatches(self) -> list[Case]:
        return [case for case in self.cases if case.not_decidable is None and case.expected != case.observed]

    @property
    def not_decidable(self) -> list[Case]:
        return [case for case in self.cases if case.not_decidable is not None]


def memberships(access: EnvironmentAccess) -> list[tuple[str, ...]]:
    """A member per group and per two groups."""
    groups = sorted(str(role.group) for role in access.roles)
    return [(group,) for group in groups] + list(combinations(groups, 2))


def client(service: str, endpoint: str, credentials: dict[str, str] | None = None) -> Any:
    keys = credentials or {"AccessKeyId": ROOT_KEY, "SecretAccessKey": ROOT_KEY}
    made = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys.get("SessionToken"),
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    if service == "s3":
        # The emulator serves plain HTTP; it takes this header as the mark of TLS, which the
        # buckets' TLS-only policy requires (without it every call is denied, as on AWS).
        made.meta.events.register("before-sign.s3.*", _secure_transport)
    return made


def _secure_transport(request: Any, **_: Any) -> None:
    request.headers["X-Forwarded-Proto"] = "https"


def create_existing_pool(endpoint: str, name: str) -> tuple[str, str]:
    """An existing pool and its app client, as an organisation would have them; their ids."""
    idp = client("cognito-idp", endpoint)
    pool = idp.create_user_pool(PoolName=name, UsernameAttributes=["email"])["UserPool"]["Id"]
    app = idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName=f"{name}-web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    return pool, app["UserPoolClient"]["ClientId"]


def deployer_session(endpoint: str) -> dict[str, str]:
    """The deployer role (created here on first use): an administrator of the account."""
    iam = client("iam", endpoint)
    try:
        iam.get_role(RoleName=DEPLOYER)
    except iam.exceptions.NoSuchEntityException:
        iam.create_role(RoleName=DEPLOYER, AssumeRolePolicyDocument=json.dumps(ACCOUNT_TRUST))
        admin = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        iam.put_role_policy(RoleName=DEPLOYER, PolicyName="admin", PolicyDocument=json.dumps(admin))
    role = f"arn:aws:iam::{ACCOUNT}:role/{DEPLOYER}"
    return client("sts", endpoint).assume_role(RoleArn=role, RoleSessionName="deployer")["Credentials"]


def empty_bucket(endpoint: str, bucket: str) -> None:
    """Every object version and delete marker away, as the deployer (Terraform's destroy needs it).
    Where the folder guard denies the deployer the listing (see NOT_DECIDABLE_GUARD), nobody could
    write either; Terraform's destroy says so if anything is left."""
    s3 = client("s3", endpoint, deployer_session(endpoint))
    try:
        pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket))
    except ClientError as error:
        if error.response["Error"]["Code"] == "AccessDenied":
            return
        raise
    for page in pages:
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])


def canary_write(
    endpoint: str, bucket: str, key: str, statements: list[dict[str, Any]], tags: dict[str, str] | None = None
) -> bool:
    """May a role of the account with only these policy statements, its session tagged with
    `tags`, write `key`? The role is made for the question and removed after."""
    iam, name = client("iam", endpoint), "groupfolders-e2e-canary"
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(ACCOUNT_TRUST))
    try:
        iam.put_role_policy(RoleName=name, PolicyName="canary", PolicyDocument=json.dumps(policy))
        session = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "RoleSessionName": "canary"}
        if tags:
            session["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        keys = client("sts", endpoint).assume_role(**session)["Credentials"]
        return _attempt(client("s3", endpoint, keys), "write", bucket, key, key)
    finally:
        iam.delete_role_policy(RoleName=name, PolicyName="canary")
        iam.delete_role(RoleName=name)


def guarded(stack: dict[str, Any], bucket: str) -> frozenset[str]:
    """What the bucket policy closes by aws:PrincipalArn, read from the stack: "" for the listing,
    "/<prefix>" for the keys under a prefix ("/" for every key). A statement on NotResource closes
    all but some keys: every key, as far as deciding here goes."""
    documents = stack.get("data", {}).get("aws_iam_policy_document", {})
    statements = documents.get("files_policy_document", {}).get("statement", [])
    arn = f"arn:aws:s3:::{bucket}"
    return frozenset(
        resource.removeprefix(arn).removesuffix("*")
        for statement in statements
        if any(c["variable"] == "aws:PrincipalArn" for c in statement.get("condition", []))
        for resource in statement.get("resources", [f"{arn}/*"])
    )


@dataclass(frozen=True)
class Target:
    """What the probes run against: a deployed environment on the emulator."""

    endpoint: str
    environment: Environment
    access: EnvironmentAccess
    outputs: dict[str, Any]
    stack: dict[str, Any]  # the deployed copy of the stack

    @property
    def bucket(self) -> str:
        return str(self.outputs["bucket_name"])

    @property
    def function_name(self) -> str | None:
        functions = self.stack["resource"].get("aws_lambda_function", {})
        return next((f["function_name"] for f in functions.values()), None)


def run(target: Target) -> Probe:
    """Sign every member in, take the role the model says, and try every capability in every folder."""
    probe = Probe()
    access = target.access
    folders = sorted({g.prefix for role in access.roles for g in role.grants if g.prefix != PRIVATE_FOLDER})
    deployer = client("s3", target.endpoint, deployer_session(target.endpoint))
    for folder in [*folders, f"private/{OTHER_IDENTITY}/"]:
        _seed(deployer, target.bucket, folder + SEED, probe)
    for groups in memberships(access):
        member = _signed_in(target.endpoint, target.outputs, groups)
        _seed(deployer, target.bucket, f"private/{member.identity_id}/{SEED}", probe)
        got = received(access, groups)
        if access.role_mapping == "tags" and target.function_name is not None:
            member.lambda_claims = invoke_claims(
                target.endpoint, target.function_name, target.outputs, member
            )
            member.expected_claims = expected_claims(target.environment, got)
        member.vended_role = _vended_role(target.endpoint, target.outputs, member)
        probe.members.append(member)
        if got.role is not None:  # else no credentials: nothing to call S3 with
            member.role = got.role.role_name
            probe.cases += _member_cases(target, member, got, folders)
    return probe


def _member_cases(target: Target, member: Member, got: Received, folders: list[str]) -> list[Case]:
    """Every capability in every folder, the member's own private folder and another's."""
    s3 = client("s3", target.endpoint, _assumed(target.endpoint, member))
    closed = guarded(target.stack, target.bucket)
    tags = target.access.role_mapping == "tags"
    places = [(f, f) for f in folders]
    places += [
        (PRIVATE_FOLDER, f"private/{member.identity_id}/"),
        (OTHER_PRIVATE, f"private/{OTHER_IDENTITY}/"),
    ]
    cases = []
    for shown, prefix in places:
        for capability, action in CAPABILITY_ACTIONS.items():
            key = prefix if capability == "list" else prefix + _key(capability, member)
            reason = _not_decidable(tags, closed, shown, "" if capability == "list" else key)
            expected = got.allows(action, key, member.identity_id)
            observed = _attempt(s3, capability, target.bucket, prefix, key)
            cases.append(Case(member.groups, shown, capability, expected, observed, reason))
    return cases


def _not_decidable(tags: bool, closed: frozenset[str], shown: str, key: str) -> str | None:
    """Why the emulator cannot decide this case as AWS would; None: it can."""
    if tags:
        return NOT_DECIDABLE_TAGS
    if any(key.startswith(prefix[1:]) if prefix else key == "" for prefix in closed):
        return NOT_DECIDABLE_GUARD
    return NOT_DECIDABLE_PRIVATE if shown.startswith("private/") else None


def _seed(deployer: Any, bucket: str, key: str, probe: Probe) -> None:
    """An object to read; the folder guard's exemption fails here (see NOT_DECIDABLE_GUARD)."""
    try:
        deployer.put_object(Bucket=bucket, Key=key, Body=b"seed")
    except ClientError as error:
        if error.response["Error"]["Code"] != "AccessDenied":
            raise
        probe.unseeded.append(key)


def expected_claims(environment: Environment, got: Received) -> dict[str, str]:
    """The claims the access model says the Lambda issues: each level's folders in its slots,
    every other slot unused (so that no role tag can stand in for it)."""
    slots = dict(tag_slots(environment))
    unused = {key: UNUSED_SLOT for keys in slots.values() for key in keys}
    return unused | {
        key: folder for level, found in got.by_level for key, folder in zip(slots[level], found, strict=False)
    }


def invoke_claims(
    endpoint: str, function_name: str, outputs: dict[str, Any], member: Member
) -> dict[str, str]:
    """The deployed function's answer to the V1_0 event Cognito would send for this sign-in."""
    event = {
        "version": "1",
        "triggerSource": "TokenGeneration_Authentication",
        "region": REGION,
        "userPoolId": outputs["user_pool_id"],
        "userName": member.username,
        "callerContext": {
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": outputs["user_pool_client_id"],
        },
        "request": {
            "userAttributes": {"email": member.username},
            "groupConfiguration": {
                "groupsToOverride": list(member.groups),
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
        },
        "response": {"claimsOverrideDetails": None},
    }
    answer = client("lambda", endpoint).invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
    body = json.loads(answer["Payload"].read())
    if answer.get("FunctionError"):
        raise RuntimeError(f"{function_name} failed: {body}")
    return body["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]


def token_claims(token: str) -> dict[str, Any]:
    """A token's claims, unverified: the emulator's key set does not verify (see jwks_verifies)."""
    return jwt.decode(token, options={"verify_signature": False})


def jwks_verifies(endpoint: str, outputs: dict[str, Any], member: Member) -> bool:
    """Does the pool's published key set verify the member's ID token (as pycognito does)?"""
    cognito = Cognito(
        outputs["user_pool_id"],
        outputs["user_pool_client_id"],
        id_token=member.id_token,
        boto3_client_kwargs={
            "endpoint_url": endpoint,
            "aws_access_key_id": "x",
            "aws_secret_access_key": "x",
        },
    )
    try:
        cognito.verify_token(member.id_token, "id_token", "id")
    except (jwt.PyJWTError, ValueError, KeyError):
        return False
    return True


def _signed_in(endpoint: str, outputs: dict[str, Any], groups: Sequence[str]) -> Member:
    member = Member(tuple(groups), f"{'+'.join(groups)}@example.com")
    pool, app = outputs["user_pool_id"], outputs["user_pool_client_id"]
    idp = client("cognito-idp", endpoint)
    idp.admin_create_user(UserPoolId=pool, Username=member.username, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username=member.username, Password=PASSWORD, Permanent=True)
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=member.username, GroupName=group)
    # Signs in as an app would: SRP, with the app client's id and no AWS credentials of its own.
    anonymous = client("cognito-idp", endpoint, {"AccessKeyId": "anonymous", "SecretAccessKey": "anonymous"})
    answer = AWSSRP(member.username, PASSWORD, pool, app, client=anonymous).authenticate_user()
    member.id_token = answer["AuthenticationResult"]["IdToken"]
    identities = client("cognito-identity", endpoint)
    logins = {f"cognito-idp.{REGION}.amazonaws.com/{pool}": member.id_token}
    member.identity_id = identities.get_id(IdentityPoolId=outputs["identity_pool_id"], Logins=logins)[
        "IdentityId"
    ]
    member.open_id_token = identities.get_open_id_token(IdentityId=member.identity_id, Logins=logins)["Token"]
    return member


def _vended_role(endpoint: str, outputs: dict[str, Any], member: Member) -> str:
    """The role of the credentials the identity pool itself vends to this member."""
    pool = outputs["user_pool_id"]
    logins = {f"cognito-idp.{REGION}.amazonaws.com/{pool}": member.id_token}
    try:
        vended = client("cognito-identity", endpoint).get_credentials_for_identity(
            IdentityId=member.identity_id, Logins=logins
        )["Credentials"]
    except ClientError as error:
        return f"refused: {error.response['Error']['Code']}"
    keys = {
        "AccessKeyId": vended["AccessKeyId"],
        "SecretAccessKey": vended["SecretKey"],
        "SessionToken": vended["SessionToken"],
    }
    arn = client("sts", endpoint, keys).get_caller_identity()["Arn"]
    return arn.split("/")[1]


def _assumed(endpoint: str, member: Member) -> dict[str, str]:
    """The role the access model names, through the identity pool's OpenID token: the emulator
    resolves no Token or Rules mapping (Cognito's part), so the model chooses the role."""
    role = f"arn:aws:iam::{ACCOUNT}:role/{member.role}"
    session = base64.b32encode(member.username.encode()).decode().rstrip("=")[:64]
    answer = client("sts", endpoint).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName=session, WebIdentityToken=member.open_id_token
    )
    return answer["Credentials"]


def _key(capability: str, member: Member) -> str:
    if capability == "read":
        return SEED
    return f"{capability}-{'+'.join(member.groups)}.txt"


def _attempt(s3: Any, capability: str, bucket: str, prefix: str, key: str) -> bool:
    calls: dict[str, Callable[[], Any]] = {
        "list": lambda: s3.list_objects_v2(Bucket=bucket, Prefix=prefix),
        "read": lambda: s3.get_object(Bucket=bucket, Key=key)["Body"].read(),  # noqa: PLW0108 - lazy
        "write": lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"probe"),
        "delete": lambda: s3.delete_object(Bucket=bucket, Key=key),
    }
    try:
        calls[capability]()
    except ClientError as error:
        if error.response["Error"]["Code"] == "AccessDenied":
            return False
        raise
    return True
