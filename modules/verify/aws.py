"""verify's AWS calls: find what was deployed, sign test users in as an app does (SRP, then
GetId and GetCredentialsForIdentity), probe S3 with their credentials, clean up.

Writes: test users (created with the admin API, deleted afterwards) and one object per
folder under the run's own key (deleted again, every version); `read_only` writes nothing.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from modules import naming, sdk
from modules.config.model import Environment
from modules.verify.matrix import (
    READ_ONLY,
    Cell,
    Location,
    Observed,
    folder_path,
    probe_key,
)

DENIED = frozenset({"AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId"})
MISSING = frozenset({"NoSuchKey", "404"})
SEED = b"groupfolders verify\n"
USER_DOMAIN = "example.invalid"  # RFC 2606: no mail can reach a test user


class VerifyError(Exception):
    """One line for the user; exit 2."""


@dataclass(frozen=True)
class Deployment:
    region: str
    user_pool_id: str
    client_id: str
    identity_pool_id: str
    bucket: str

    @property
    def provider(self) -> str:
        return f"cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"


@dataclass(frozen=True)
class VerifyUser:
    members: tuple[str, ...]
    username: str
    password: str


def find_deployment(session: Any, environment: Environment) -> Deployment:
    """The ids of what was deployed: from the YAML where it names them, else by the names
    groupfolders gave them (exactly one each)."""
    idp = session.client("cognito-idp")
    pool = environment.user_pool
    pool_id = pool.existing_id or _one(
        "user pool",
        str(pool.name),
        [
            p["Id"]
            for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60)
            for p in page["UserPools"]
            if p["Name"] == pool.name
        ],
    )
    client_name = naming.user_pool_client_name(environment)
    client_id = pool.existing_client_id or _one(
        "app client",
        client_name,
        [
            c["ClientId"]
            for page in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id)
            for c in page["UserPoolClients"]
            if c["ClientName"] == client_name
        ],
    )
    identity_name = naming.identity_pool_name(environment)
    identity_pool_id = environment.identity_pool.existing_id or _one(
        "identity pool", identity_name, _identity_pools(session.client("cognito-identity"), identity_name)
    )
    return Deployment(
        environment.region, pool_id, client_id, identity_pool_id, environment.bucket.bucket_name
    )


def _identity_pools(cognito: Any, name: str) -> list[str]:
    found, token = [], None
    while True:
        page = cognito.list_identity_pools(MaxResults=60, **({"NextToken": token} if token else {}))
        found += [p["IdentityPoolId"] for p in page["IdentityPools"] if p["IdentityPoolName"] == name]
        token = page.get("NextToken")
        if not token:
            return found


def _one(kind: str, name: str, found: list[str]) -> str:
    if len(found) != 1:
        raise VerifyError(f"{'no' if not found else len(found)} {kind}(s) named {name!r}: deploy first")
    return found[0]


@contextmanager
def created_users(
    session: Any, deployment: Deployment, member_sets: tuple[tuple[str, ...], ...], run: str
) -> Iterator[tuple[VerifyUser, ...]]:
    """One user per member set, in exactly those groups; every one deleted afterwards."""
    idp = session.client("cognito-idp")
    users: list[VerifyUser] = []
    try:
        for index, members in enumerate(member_sets):
            user = VerifyUser(members, f"groupfolders-verify-{run}-{index}@{USER_DOMAIN}", _password())
            idp.admin_create_user(
                UserPoolId=deployment.user_pool_id,
                Username=user.username,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": user.username},
                    {"Name": "email_verified", "Value": "true"},
                ],
            )
            users.append(user)
            idp.admin_set_user_password(
                UserPoolId=deployment.user_pool_id,
                Username=user.username,
                Password=user.password,
                Permanent=True,
            )
            for group in members:
                idp.admin_add_user_to_group(
                    UserPoolId=deployment.user_pool_id, Username=user.username, GroupName=group
                )
        yield tuple(users)
    finally:
        for user in users:
            idp.admin_delete_user(UserPoolId=deployment.user_pool_id, Username=user.username)


def _password() -> str:
    """Meets Cognito's strictest default policy: upper, lower, digit, symbol, long."""
    return f"Gf-{secrets.token_urlsafe(24)}-aA1!"


def new_run() -> str:
    return secrets.token_hex(4)


def observe(
    session: Any,
    deployment: Deployment,
    user: VerifyUser,
    locations: tuple[Location, ...],
    *,
    run: str,
    read_only: bool,
) -> Observed:
    """Sign `user` in, get their credentials, probe every location."""
    try:
        from pycognito.aws_srp import AWSSRP  # noqa: PLC0415 - only verify signs in
    except ImportError:
        raise sdk.MissingSdk(
            f"verify signs in with pycognito (SRP), which is not installed: {sdk.INSTALL}"
        ) from None
    idp, cognito = session.client("cognito-idp"), session.client("cognito-identity")
    srp = AWSSRP(
        username=user.username,
        password=user.password,
        pool_id=deployment.user_pool_id,
        client_id=deployment.client_id,
        client=idp,
    )
    token = srp.authenticate_user()["AuthenticationResult"]["IdToken"]
    logins = {deployment.provider: token}
    identity = cognito.get_id(IdentityPoolId=deployment.identity_pool_id, Logins=logins)["IdentityId"]
    try:
        credentials = cognito.get_credentials_for_identity(IdentityId=identity, Logins=logins)["Credentials"]
    except sdk.client_error() as error:
        return Observed(user.members, False, {}, _error_code(error))
    s3 = session.client(
        "s3",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretKey"],
        aws_session_token=credentials["SessionToken"],
    )
    another = f"{deployment.region}:00000000-0000-4000-8000-000000000000"
    prefixes = {location.folder: folder_path(location.folder, identity, another) for location in locations}
    allowed: dict[Cell, bool] = {}
    try:
        if not read_only:
            _seed(session, deployment, list(prefixes.values()), run)
        for folder, prefix in prefixes.items():
            allowed.update(_probe(s3, deployment.bucket, folder, prefix, run=run, read_only=read_only))
    finally:
        if not read_only:
            clean_up(session, deployment, list(prefixes.values()), run)
    return Observed(user.members, True, allowed)


def _seed(session: Any, deployment: Deployment, prefixes: list[str], run: str) -> None:
    """With the caller's credentials, the run's object in each folder, so that a read probe
    reads something: S3 answers a read of a missing key with 403 to a caller who may not
    list, whatever GetObject allows. A folder the caller may not write (a folder guard that
    does not exempt them) keeps no object; its read is then judged as in read-only mode."""
    s3 = session.client("s3")
    for prefix in prefixes:
        key = probe_key(prefix, run)
        _allowed(functools.partial(s3.put_object, Bucket=deployment.bucket, Key=key, Body=SEED))


def _probe(s3: Any, bucket: str, folder: str, prefix: str, *, run: str, read_only: bool) -> dict[Cell, bool]:
    """list, read the run's object, overwrite it, delete it; read-only: list, and read a key
    that does not exist (404 reads as allowed: S3 says so only to a caller who may list)."""
    key = probe_key(prefix, run)
    calls = {
        "list": lambda: s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1),
        "write": lambda: s3.put_object(Bucket=bucket, Key=key, Body=SEED),
        "read": lambda: _read(s3, bucket, key),
        "delete": lambda: s3.delete_object(Bucket=bucket, Key=key),
    }
    order = READ_ONLY if read_only else ("list", "read", "write", "delete")
    return {(folder, capability): _allowed(calls[capability]) for capability in order}


def _read(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _allowed(call: Any) -> bool:
    try:
        call()
    except sdk.client_error() as error:
        code = _error_code(error)
        if code in MISSING:
            return True
        if code in DENIED:
            return False
        raise
    return True


def clean_up(session: Any, deployment: Deployment, prefixes: list[str], run: str) -> None:
    """With the caller's credentials, every version of every object the run may have left."""
    s3 = session.client("s3")
    for prefix in prefixes:
        key = probe_key(prefix, run)
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=deployment.bucket, Prefix=key):
            for version in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if version["Key"] == key:
                    s3.delete_object(Bucket=deployment.bucket, Key=key, VersionId=version["VersionId"])


def _error_code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", "error"))
