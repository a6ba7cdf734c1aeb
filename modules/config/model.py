"""The typed, frozen configuration of one environment.

Field checks live here; checks across groups, and those that need the rendered
documents, live in `modules.validation`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
APP_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# ARNs and service names here are those of the aws partition (not aws-cn, aws-us-gov, aws-iso*).
OTHER_PARTITIONS = re.compile(r"^(cn|us-gov|us-iso[a-z]?|eu-isoe)-")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
MAX_BUCKET_NAME = 63
KMS_KEY_ARN = re.compile(r"^arn:aws:kms:[a-z0-9-]+:\d{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})$")
# aws:PrincipalArn of a role session is the role's ARN; of the account root, only the root user.
PRINCIPAL_ARN = re.compile(r"^arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
POOL_NAME = re.compile(r"^[\w\s+=,.@-]{1,128}$")
RESERVED_TAGS = ("app", "environment")
USER_POOL_ID = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$")
CLIENT_ID = re.compile(r"^[0-9a-z]{1,128}$")
# Characters that are wildcards in IAM (`*`, `?`), policy variables or Terraform
# interpolation (`$`, `{`, `}`), or that no folder name needs.
PREFIX_CHARACTER = re.compile(r"^[A-Za-z0-9!_.'()/-]+$")
MAX_PRECEDENCE = 2**31 - 1


def check_region(region: str) -> str:
    if not REGION.match(region):
        raise ValueError(f"{region!r} is not an AWS region like eu-west-1")
    if OTHER_PARTITIONS.match(region):
        raise ValueError(f"{region!r} is outside the aws partition, which is the only one supported")
    return region


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_bucket_name(name: str | None) -> str | None:
    if name is not None and (not BUCKET_NAME.match(name) or ".." in name or IP_ADDRESS.match(name)):
        raise ValueError(f"{name!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')")
    return name


BucketName = Annotated[str | None, AfterValidator(_check_bucket_name)]


class Backend(Frozen):
    type: Literal["local", "s3"] = "local"
    path: str | None = None
    bucket: BucketName = None
    key: str | None = None
    region: str | None = None
    use_lockfile: bool = True

    @field_validator("region")
    @classmethod
    def _region(cls, region: str | None) -> str | None:
        return None if region is None else check_region(region)

    @model_validator(mode="after")
    def _fields_of_type(self) -> Backend:
        if self.type == "s3" and not (self.bucket and self.key):
            raise ValueError("type s3 needs bucket and key")
        if self.type == "local" and (self.bucket or self.key or self.region):
            raise ValueError("bucket, key and region belong to type s3; type local takes path")
        if self.type == "s3" and self.path:
            raise ValueError("path belongs to type local; type s3 takes bucket and key")
        return self


class UserPool(Frozen):
    name: str | None = None
    existing_id: str | None = None
    existing_client_id: str | None = None
    deletion_protection: bool = True

    @model_validator(mode="after")
    def _new_or_existing(self) -> UserPool:
        if (self.name is None) == (self.existing_id is None):
            raise ValueError("give either name (a new pool) or existing_id (an existing pool)")
        if self.existing_id is not None and self.existing_client_id is None:
            raise ValueError("existing_id needs existing_client_id (the app client of that pool)")
        if self.existing_id is None and self.existing_client_id is not None:
            raise ValueError("existing_client_id belongs to an existing pool; give existing_id too")
        if self.name is not None and not POOL_NAME.match(self.name):
            raise ValueError(f"name {self.name!r} must be 1-128 letters, digits, spaces or +=,.@_-")
        if self.existing_id is not None and not USER_POOL_ID.match(self.existing_id):
            raise ValueError(
                f"existing_id {self.existing_id!r} is not a user pool id like eu-west-1_AbCdEf123"
            )
        if self.existing_client_id is not None and not CLIENT_ID.match(self.existing_client_id):
            raise ValueError(f"existing_client_id {self.existing_client_id!r} is not an app client id")
        return self


class IdentityPool(Frozen):
    role_mapping: Literal["token", "rules", "tags"] = "token"
    users_without_group: Literal["deny", "private_only"] = "deny"
    # Two groups of equal precedence leave a member of both without a preferred role.
    allow_equal_precedence: bool = False
    # tags: how many folders of one access level a user may hold (principal tags per level).
    folders_per_level: int = Field(default=4, ge=1, le=50)

    @model_validator(mode="after")
    def _folders_per_level_with_tags(self) -> IdentityPool:
        if "folders_per_level" in self.model_fields_set and self.role_mapping != "tags":
            raise ValueError("folders_per_level only matters with role_mapping: tags")
        return self

    @property
    def ambiguous_role_resolution(self) -> str:
        """What Cognito does for a user whose token names no role (Token) or matches no rule
        (Rules): `deny` denies; `private_only` must reach the default role (private folder)."""
        return "AuthenticatedRole" if self.users_without_group == "private_only" else "Deny"


def _check_principal(principal: str) -> str:
    if not PRINCIPAL_ARN.match(principal):
        raise ValueError(
            f"exempt principal {principal!r} is not an IAM role or user ARN (no wildcards; "
            "an account root ARN would exempt only the root user)"
        )
    return principal


def _check_key_arn(arn: str | None) -> str | None:
    if arn is not None and not KMS_KEY_ARN.match(arn):
        raise ValueError(f"{arn!r} is not a KMS key ARN")
    return arn


PrincipalArn = Annotated[str, AfterValidator(_check_principal)]


class Bucket(Frozen):
    name: BucketName = None
    existing: BucketName = None
    # A new bucket is versioned when this is true; for an existing one, say what it is.
    versioned: bool = True
    # New bucket: SSE-KMS with a rotated customer managed key, or SSE-S3.
    encryption: Literal["kms", "s3"] = "kms"
    # Existing bucket encrypted with a customer managed key: group roles need to use it.
    kms_key_arn: Annotated[str | None, AfterValidator(_check_key_arn)] = None
    access_logs: bool = True
    noncurrent_version_days: int = Field(default=90, ge=1, le=3650)
    folder_guard: bool = False
    exempt_principals: tuple[PrincipalArn, ...] = ()

    @model_validator(mode="after")
    def _new_or_existing(self) -> Bucket:
        if (self.name is None) == (self.existing is None):
            raise ValueError("give either name (a new bucket) or existing (an existing bucket's name)")
        if self.existing is not None:
            _only_for_new_bucket(self.model_fields_set)
        elif self.kms_key_arn is not None:
            raise ValueError("kms_key_arn is for an existing bucket; a new bucket gets its own key")
        elif not self.versioned:
            raise ValueError(
                "a new bucket is always versioned; versioned: false describes an existing bucket"
            )
        if self.access_logs and self.name is not None and len(self.log_bucket_name) > MAX_BUCKET_NAME:
            raise ValueError(
                f"{self.name!r} is too long for its log bucket {self.log_bucket_name!r} (63 characters)"
            )
        _check_folder_guard(self.folder_guard, self.exempt_principals)
        return self

    @property
    def bucket_name(self) -> str:
        return self.name if self.name is not None else str(self.existing)

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket_name}"

    @property
    def encrypted_with_kms(self) -> bool:
        """Whether group roles need a customer managed key to use the objects."""
        return self.kms_key_arn is not None if self.existing is not None else self.encryption == "kms"

    @property
    def log_bucket_name(self) -> str:
        return f"{self.bucket_name}-logs"


def _only_for_new_bucket(fields_set: set[str]) -> None:
    settings = sorted(fields_set & {"encryption", "access_logs", "noncurrent_version_days", "folder_guard"})
    if settings:
        raise ValueError(
            f"{', '.join(settings)} configure a bucket created here; an existing bucket is used as it is"
        )


def _check_folder_guard(folder_guard: bool, exempt: tuple[str, ...]) -> None:
    if folder_guard and not exempt:
        raise ValueError(
            "folder_guard denies every principal but the group roles and exempt_principals: list the "
            "deployers and backup roles that must keep access (at least one IAM principal ARN)"
        )
    if exempt and not folder_guard:
        raise ValueError("exempt_principals only matter with folder_guard: true")
    if len(set(exempt)) != len(exempt):
        raise ValueError("exempt_principals lists a principal twice")


def _check_prefix(prefix: str) -> str:
    if not prefix.endswith("/"):
        raise ValueError(f"prefix {prefix!r} must end with '/' (or 'fin' would also match 'finance')")
    if prefix.startswith("/"):
        raise ValueError(f"prefix {prefix!r} must not start with '/': S3 keys have no leading slash")
    if any(part in ("", ".", "..") for part in prefix[:-1].split("/")):
        raise ValueError(f"prefix {prefix!r} has an empty, '.' or '..' folder")
    if not PREFIX_CHARACTER.match(prefix):
        raise ValueError(
            f"prefix {prefix!r} has a character outside letters, digits and !_.'()/-; "
            "'*', '?', '$', '{' and '}' are wildcards or variables in IAM and Terraform"
        )
    return prefix


Prefix = Annotated[str, AfterValidator(_check_prefix)]


class Group(Frozen):
    name: str
    description: str = ""
    access: str
    precedence: int = Field(ge=0, le=MAX_PRECEDENCE)
    prefixes: tuple[Prefix, ...] | None = Field(default=None, min_length=1)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        if not SAFE_NAME.match(name):
            raise ValueError(f"{name!r} is not a safe group name: use 1-128 letters, digits, '-', '_' or '.'")
        return name

    @field_validator("description")
    @classmethod
    def _short_description(cls, description: str) -> str:
        if len(description) > 2048:
            raise ValueError(f"is {len(description)} characters; Cognito allows 2048")
        return description

    @property
    def folders(self) -> tuple[str, ...]:
        """The prefixes this group owns; `<name>/` when none are given."""
        return self.prefixes if self.prefixes is not None else (f"{self.name}/",)


class Environment(Frozen):
    name: str
    app: str
    region: str
    backend: Backend = Backend()
    tags: dict[str, str] = {}
    user_pool: UserPool
    identity_pool: IdentityPool = IdentityPool()
    bucket: Bucket
    private_folders: bool = True
    groups: tuple[Group, ...] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _env_name(cls, name: str) -> str:
        if not ENV_NAME.match(name):
            raise ValueError(
                f"environment name {name!r} must be 1-32 of a-z, 0-9, '-', starting with a letter"
            )
        return name

    @field_validator("app")
    @classmethod
    def _app_name(cls, app: str) -> str:
        if not APP_NAME.match(app):
            raise ValueError(f"{app!r} must be 1-32 of a-z, 0-9, '-', starting with a letter")
        return app

    @field_validator("region")
    @classmethod
    def _region(cls, region: str) -> str:
        return check_region(region)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        reserved = sorted(key for key in tags if key in RESERVED_TAGS or key.lower().startswith("aws:"))
        if reserved:
            raise ValueError(
                f"{', '.join(reserved)}: set by groupfolders (app, environment) or by AWS (aws:)"
            )
        return tags

    @property
    def groups_by_name(self) -> tuple[Group, ...]:
        """Groups in name order: what the stack is built from, so YAML order never matters."""
        return tuple(sorted(self.groups, key=lambda group: group.name))
