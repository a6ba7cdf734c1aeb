"""Whole IAM documents (AWS JSON form) and their `aws_iam_policy_document` form."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules.config.model import FOLDER_TAG
from modules.policies.actions import LIST_ACTIONS, kms_needs
from modules.policies.check import IDENTITY_VARIABLE
from modules.policies.principal_tags import NON_EMPTY_FOLDER, tag_variable
from modules.policies.templates import render_statements

VERSION = "2012-10-17"
PRIVATE_PREFIX = f"private/{IDENTITY_VARIABLE}/"
IAM_VARIABLE = re.compile(r"\$\{([^{}:]+:[^{}]+)\}")
PRIVATE_LEVEL = "readwrite"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
ACCESS_LOG_PREFIX = "s3-access/"

Document = dict[str, Any]


@dataclass(frozen=True)
class RoleScope:
    """What a role's policy depends on besides its access level and folders."""

    bucket_arn: str
    versioned: bool
    region: str
    key_arn: str | None  # the bucket's customer managed key; None with SSE-S3
    private_folders: bool
    templates: Path | None = None  # the access levels' directory; None: templates/policies/


@dataclass(frozen=True)
class FolderGuard:
    """Who the bucket policy lets near the bucket's objects (folder_guard: true): only our roles
    and the exempt principals; each of our roles only within the folders its role tags name."""

    role_ids: tuple[str, ...]  # unique ids of every role this environment hands out
    exempt_principals: tuple[str, ...]
    folder_slots: int  # every role confined to its folders carries FOLDER_TAG.1 .. FOLDER_TAG.<slots>
    unconfined_role_ids: tuple[str, ...]  # tags mode: the folders role, which holds every group folder
    private_folders: bool


# The value of a slot that holds no folder. Every slot carries a value, since IAM may drop a
# statement whose variable it cannot resolve. No folder starts with "=" (a prefix character is
# one of A-Za-z0-9!_.'()/-), so the slot frees no folder; and "" would free the whole bucket.
UNUSED_FOLDER_SLOT = "=unused"
# What a slot's tag must look like when it holds a folder: non-empty, ending in "/".
FOLDER_TAG_VALUE = "?*/"


def folder_tags(folders: tuple[str, ...], slots: int) -> dict[str, str]:
    """The role tags of a role confined to `folders` (at most `slots`), every slot filled."""
    padded = (*folders, *[UNUSED_FOLDER_SLOT] * (slots - len(folders)))
    return {f"{FOLDER_TAG}.{slot}": folder for slot, folder in enumerate(padded, start=1)}


def group_policy(
    level: str,
    folders: tuple[str, ...],
    scope: RoleScope,
    shared: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> Document:
    """What a member of a group may do: its folders at `level`, each (level, folders) of the
    shared folders granted to it, their own private folder, and the bucket's key as far as
    those need it. Each level's statements are scoped to exactly its folders."""
    statements = _named("Group", _render(scope, level, folders))
    for shared_level, shared_folders in shared:
        statements += _named(f"Shared{_words(shared_level)}", _render(scope, shared_level, shared_folders))
    statements += _private_folder_statements(scope)
    return _with_key(scope, statements)


def folders_policy(tag_slots: tuple[tuple[str, tuple[str, ...]], ...], scope: RoleScope) -> Document:
    """`tags` mode: the one folders role. For each (level, tag keys) of `tag_slots` and each
    key, the level's statements for the folder in that principal tag, matching only while
    the tag holds a non-empty folder (a missing tag matches nothing); then the private
    folder, and the bucket's key as far as those need it."""
    statements: list[dict[str, Any]] = []
    for level, keys in tag_slots:
        for key in keys:
            sid = "Tag" + _words(key)
            rendered = _named(sid, _render(scope, level, (tag_variable(key),)))
            statements += [_with_folder_tag(statement, key) for statement in rendered]
    statements += _private_folder_statements(scope)
    return _with_key(scope, statements)


def _words(text: str) -> str:
    """`readwrite-nodelete` → `ReadwriteNodelete`: a name as letters and digits, for a Sid."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text))


def _with_folder_tag(statement: dict[str, Any], key: str) -> dict[str, Any]:
    condition = {operator: dict(block) for operator, block in statement.get("Condition", {}).items()}
    condition.setdefault("StringLike", {})[f"aws:PrincipalTag/{key}"] = [NON_EMPTY_FOLDER]
    return {**statement, "Condition": condition}


def no_group_policy(scope: RoleScope) -> Document:
    """The policy of users in no group: their private folder only."""
    return _with_key(scope, _private_folder_statements(scope))


def _with_key(scope: RoleScope, statements: list[dict[str, Any]]) -> Document:
    """`statements`, plus what SSE-KMS needs for them (modules/policies/actions.py), only
    through S3 in this region."""
    needed = kms_needs({action for statement in statements for action in statement["Action"]})
    if scope.key_arn is None or not needed:
        return _document(statements)
    use_key = {
        "Sid": "UseBucketKeyThroughS3",
        "Effect": "Allow",
        "Action": needed,
        "Resource": [scope.key_arn],
        "Condition": {"StringEquals": {"kms:ViaService": [f"s3.{scope.region}.amazonaws.com"]}},
    }
    return _document([*statements, use_key])


def _private_folder_statements(scope: RoleScope) -> list[dict[str, Any]]:
    """Every role repeats these: a group role replaces the default authenticated role."""
    if not scope.private_folders:
        return []
    return _named("Private", _render(scope, PRIVATE_LEVEL, (PRIVATE_PREFIX,)))


def trust_policy(identity_pool_id: str, tag_session: bool = False) -> Document:
    """Only identities of this identity pool, and only authenticated ones; with
    `tag_session` (tags mode) the identity pool may also pass principal tags."""
    return _document(
        [
            {
                "Sid": "CognitoAuthenticatedIdentities",
                "Effect": "Allow",
                "Principal": {"Federated": COGNITO_IDENTITY},
                "Action": ["sts:AssumeRoleWithWebIdentity", *(["sts:TagSession"] if tag_session else [])],
                "Condition": {
                    "StringEquals": {f"{COGNITO_IDENTITY}:aud": [identity_pool_id]},
                    "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": ["authenticated"]},
                },
            }
        ]
    )


def lambda_trust_policy() -> Document:
    """The execution role of a Lambda function: only the Lambda service assumes it."""
    return _document(
        [
            {
                "Sid": "LambdaService",
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": ["sts:AssumeRole"],
            }
        ]
    )


def folder_claims_logs_policy(log_group_arn: str) -> Document:
    """The folder-claims Lambda writes its own log group and nothing else."""
    return _document(
        [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [f"{log_group_arn}:*"],
            }
        ]
    )


def files_bucket_policy(bucket_arn: str, guard: FolderGuard | None) -> Document:
    """TLS 1.2 or later only; with a folder guard, the objects and the listing are also closed to all
    but our roles and the exempt, and each of our roles to all but its own folders.

    No folder is named here, and no role ARN: our roles by their unique ids (aws:userid is
    `<role id>:<session>` for an assumed role), their folders by their role tags. The size then
    grows by one id per group, not by every folder with every exempt principal."""
    statements = _secure_transport(bucket_arn)
    if guard is None:
        return _document(statements)
    exempt = {"ArnNotLike": {"aws:PrincipalArn": list(guard.exempt_principals)}}
    outsiders = {"StringNotLike": {"aws:userid": [f"{role_id}:*" for role_id in guard.role_ids]}, **exempt}
    statements += [
        _guard("GuardObjects", ["s3:*"], {"Resource": [f"{bucket_arn}/*"]}, outsiders),
        # Listing shows every key name: only our roles (each limited by its own policy) may list.
        _guard("GuardListing", sorted(LIST_ACTIONS), {"Resource": [bucket_arn]}, outsiders),
    ]
    # Each of our roles: nothing but the bucket itself (listing and the like), private/ and the
    # folders in its own role tags. Sessions cannot set those tags: only the tags-mode trust
    # allows sts:TagSession, and there the folders role is not confined by tags.
    kept = [
        bucket_arn,
        *([f"{bucket_arn}/private/*"] if guard.private_folders else []),
        *(
            f"{bucket_arn}/${{aws:PrincipalTag/{FOLDER_TAG}.{slot}}}*"
            for slot in range(1, guard.folder_slots + 1)
        ),
    ]
    unconfined = [f"{role_id}:*" for role_id in guard.unconfined_role_ids]
    others = {"aws:userid": unconfined} if unconfined else {}
    confined = {**exempt, **({"StringNotLike": others} if others else {})}
    statements.append(_guard("GuardFolders", ["s3:*"], {"NotResource": kept}, confined))
    # A slot's tag that is missing, empty or no folder (someone with iam:TagRole on the role)
    # would free the whole bucket in `kept`: such a role reaches nothing. StringNotLike is true
    # for a missing key, which is what this Deny wants.
    statements += [
        _guard(
            f"GuardFolderTag{slot}",
            ["s3:*"],
            {"Resource": [bucket_arn, f"{bucket_arn}/*"]},
            {
                **exempt,
                "StringNotLike": {
                    **others,
                    f"aws:PrincipalTag/{FOLDER_TAG}.{slot}": [FOLDER_TAG_VALUE, UNUSED_FOLDER_SLOT],
                },
            },
        )
        for slot in range(1, guard.folder_slots + 1)
    ]
    return _document(statements)


def _guard(sid: str, actions: list[str], resources: dict[str, list[str]], condition: Document) -> Document:
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": actions,
        **resources,
        "Condition": condition,
    }


def log_bucket_policy(log_bucket_arn: str, source_bucket_arn: str, account_id: str) -> Document:
    """S3 server access logging writes with the logging service principal, from our bucket only."""
    return _document(
        [
            *_secure_transport(log_bucket_arn),
            {
                "Sid": "AllowServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": ["s3:PutObject"],
                "Resource": [f"{log_bucket_arn}/{ACCESS_LOG_PREFIX}*"],
                "Condition": {
                    "ArnLike": {"aws:SourceArn": [source_bucket_arn]},
                    "StringEquals": {"aws:SourceAccount": [account_id]},
                },
            },
        ]
    )


def key_policy(account_id: str) -> Document:
    """The account administers the key (IAM policies decide who uses it): the default key policy."""
    return _document(
        [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": ["kms:*"],
                "Resource": ["*"],
            }
        ]
    )


def _secure_transport(bucket_arn: str) -> list[dict[str, Any]]:
    """Requests without TLS, and with TLS older than 1.2 (s3:TlsVersion), are denied."""
    return [_tls_only(bucket_arn), _tls_version(bucket_arn)]


def _tls_version(bucket_arn: str) -> dict[str, Any]:
    return _deny_everyone(bucket_arn, "DenyOutdatedTls", {"NumericLessThan": {"s3:TlsVersion": ["1.2"]}})


def _tls_only(bucket_arn: str) -> dict[str, Any]:
    return _deny_everyone(bucket_arn, "DenyInsecureTransport", {"Bool": {"aws:SecureTransport": ["false"]}})


def _deny_everyone(bucket_arn: str, sid: str, condition: dict[str, Any]) -> dict[str, Any]:
    """Every S3 action on the bucket and its objects, for every principal, under `condition`."""
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": ["s3:*"],
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": condition,
    }


def minified_size(document: Document) -> int:
    """Size as IAM counts it against its quotas: whitespace is not counted."""
    return len(json.dumps(document, separators=(",", ":")))


def terraform_statements(document: Document) -> list[dict[str, Any]]:
    """`statement` blocks of an `aws_iam_policy_document` data source.

    Checkov's IAM checks read these blocks, not policy strings. Terraform would
    interpolate `${...}`; the data source writes `&{...}` as a literal `${...}`.
    """
    return [_terraform_statement(statement) for statement in document["Statement"]]


def _terraform_statement(statement: dict[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = {
        "sid": statement["Sid"],
        "effect": statement["Effect"],
        "actions": statement["Action"],
    }
    if "Resource" in statement:
        block["resources"] = [_literal(r) for r in statement["Resource"]]
    if "NotResource" in statement:
        block["not_resources"] = [_literal(r) for r in statement["NotResource"]]
    if "Principal" in statement:
        block["principals"] = [
            {"type": kind, "identifiers": [who] if isinstance(who, str) else who}
            for kind, who in statement["Principal"].items()
        ]
    conditions = [
        {"test": test, "variable": variable, "values": [_literal(v) for v in values]}
        for test, block_ in statement.get("Condition", {}).items()
        for variable, values in block_.items()
    ]
    if conditions:
        block["condition"] = conditions
    return block


def _literal(value: str) -> str:
    """IAM variables (`${service:key}`, `${aws:PrincipalTag/k}`) as the data source writes them;
    Terraform references (`${aws_x.y.id}`, no colon) stay references."""
    return IAM_VARIABLE.sub(r"&{\1}", value)


def _render(scope: RoleScope, level: str, folders: tuple[str, ...]) -> list[dict[str, Any]]:
    return render_statements(
        level,
        bucket_arn=scope.bucket_arn,
        folders=folders,
        versioned=scope.versioned,
        directory=scope.templates,
    )


def _named(prefix: str, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**statement, "Sid": prefix + statement["Sid"]} for statement in statements]


def _document(statements: list[dict[str, Any]]) -> Document:
    return {"Version": VERSION, "Statement": statements}
