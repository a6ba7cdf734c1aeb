"""The typed, frozen configuration of one environment.

Field checks live here; checks across groups, across environments and of the rendered
documents live in `modules.validation`. Each field's `description` is the README's configuration table
(`python -m modules.config.docs`). Every pattern is used with `fullmatch` and ASCII classes:
`$` would let a trailing newline through, and `\\d`/`\\w` match non-ASCII digits and letters.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.fields import FieldInfo

from modules.limits import FOLDER_GUARD_GROUPS, MAX_ROLES_PER_ACCOUNT, ROLES_PER_ACCOUNT

SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")
APP_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
ENV_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
# ARNs and service names here are those of the aws partition (not aws-cn, aws-us-gov, aws-iso*).
OTHER_PARTITIONS = re.compile(r"(cn|us-gov|us-iso[a-z]?|eu-isoe)-.*")
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
MAX_BUCKET_NAME = 63
RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
KMS_KEY_ARN = re.compile(r"arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})")
# aws:PrincipalArn of a role session is the role's ARN; of the account root, only the root user.
PRINCIPAL_ARN = re.compile(r"arn:aws:iam::[0-9]{12}:(role|user)/[A-Za-z0-9_+=,.@/-]+")
IP_ADDRESS = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
# Cognito's pattern is [\w\s+=,.@-]+ (Java: ASCII); spaces only, never a tab or line break.
POOL_NAME = re.compile(r"[A-Za-z0-9_ +=,.@-]{1,128}")
RESERVED_TAGS = ("app", "environment")
# folder_guard: the role tags FOLDER_TAG.1, FOLDER_TAG.2, ... name each role's folders.
FOLDER_TAG = "folder_guard"
# https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html: [\p{L}\p{Z}\p{N}_.:/=+\-@]
MAX_TAG_KEY, MAX_TAG_VALUE = 128, 256
TAG_SYMBOLS = frozenset("_.:/=+-@")
USER_POOL_ID = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]_[0-9A-Za-z]+")
# Cognito's IdentityPoolId is `<region>:<GUID>` (lowercase hex, as Cognito issues it).
IDENTITY_POOL_ID = re.compile(
    r"[a-z]{2}(-[a-z]+)+-[0-9]:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
ACCOUNT_ID = re.compile(r"[0-9]{12}")
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html: a path of
# `/`-separated parts, a name of up to 64 of [A-Za-z0-9+=,.@_-].
ROLE_ARN = re.compile(r"arn:aws:iam::([0-9]{12}):role/(?:[A-Za-z0-9+=,.@_-]+/)*[A-Za-z0-9+=,.@_-]{1,64}")
CLIENT_ID = re.compile(r"[0-9a-z]{1,128}")
# Characters that are wildcards in IAM (`*`, `?`), policy variables or Terraform
# interpolation (`$`, `{`, `}`), or that no folder name needs.
PREFIX_CHARACTER = re.compile(r"[A-Za-z0-9!_.'()/-]+")
MAX_PRECEDENCE = 2**31 - 1
# A browser's Origin header for a secure page: https, a lowercase host name, an optional port;
# no path, no trailing '/', no wildcard (S3 compares it with the request's Origin as it is).
HTTPS_ORIGIN = re.compile(
    r"https://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::([0-9]{1,5}))?"
)
ANY_ORIGIN = "*"
MAX_PORT = 65535
# Marks a bucket setting that configures a bucket created here (see Bucket._new_or_existing).
NEW_BUCKET_ONLY: dict[str, Any] = {"new_bucket_only": True}
# How the README shows a default that is not a value.
ONE_REQUIRED: dict[str, Any] = {"default_text": "one required"}


def field_mark(info: FieldInfo, key: str) -> Any:
    """A documentation mark of a field (`hidden`, `new_bucket_only`, `default_text`), or None."""
    extra = info.json_schema_extra
    return extra.get(key) if isinstance(extra, dict) else None


def arn_account(arn: str) -> str:
    """The account of an IAM or KMS ARN past its pattern (`arn:aws:<service>:<region>:<account>:`)."""
    return arn.split(":")[4]


def check_region(region: str) -> str:
    if not REGION.fullmatch(region):
        raise ValueError(f"{region!r} is not an AWS region like eu-west-1")
    if OTHER_PARTITIONS.fullmatch(region):
        raise ValueError(f"{region!r} is outside the aws partition, which is the only one supported")
    return region


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _check_bucket_name(name: str | None) -> str | None:
    if name is None:
        return name
    if not BUCKET_NAME.fullmatch(name) or ".." in name or IP_ADDRESS.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')")
    reserved = [p for p in RESERVED_BUCKET_PREFIXES if name.startswith(p)]
    reserved += [s for s in RESERVED_BUCKET_SUFFIXES if name.endswith(s)]
    if reserved:
        raise ValueError(f"{name!r} is not a valid S3 bucket name: S3 reserves {reserved[0]!r}")
    return name


BucketName = Annotated[str | None, AfterValidator(_check_bucket_name)]


class Backend(Frozen):
    type: Literal["local", "s3"] = Field("local", description="`local` or `s3`: where Terraform keeps state")
    path: str | None = Field(
        None,
        description="`local`: the state file, relative to the stack's directory "
        "(default `terraform.<env>.tfstate`)",
    )
    bucket: BucketName = Field(None, description="`s3`: the state bucket (required with `s3`)")
    key: str | None = Field(None, description="`s3`: the state object's key (required with `s3`)")
    region: str | None = Field(None, description="`s3`: the state bucket's region, if not the environment's")
    use_lockfile: bool = Field(True, description="`s3`: lock the state with an S3 lock file")

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
    name: str | None = Field(
        None,
        description="a new pool of this name (1-128 letters, digits, spaces, `+=,.@_-`)",
        json_schema_extra=ONE_REQUIRED,
    )
    existing_id: str | None = Field(
        None, description="or an existing pool's id (`<region>_...`)", json_schema_extra=ONE_REQUIRED
    )
    existing_client_id: str | None = Field(
        None, description="the app client of the existing pool (required with `existing_id`)"
    )
    deletion_protection: bool = Field(True, description="new pool: refuse deletion")
    adopt_groups: bool = Field(
        False,
        description="existing pool: its groups of the names in `groups` already exist there; each is "
        "imported (a Terraform `import` block, id `<pool id>/<name>`) rather than created, then set to the "
        "YAML's role, precedence and description; `groups[].adopt` overrides it per group",
    )

    @model_validator(mode="after")
    def _new_or_existing(self) -> UserPool:
        if (self.name is None) == (self.existing_id is None):
            raise ValueError("give either name (a new pool) or existing_id (an existing pool)")
        if self.existing_id is not None and self.existing_client_id is None:
            raise ValueError("existing_id needs existing_client_id (the app client of that pool)")
        if self.existing_id is None and self.existing_client_id is not None:
            raise ValueError("existing_client_id belongs to an existing pool; give existing_id too")
        if self.name is not None and not POOL_NAME.fullmatch(self.name):
            raise ValueError(f"name {self.name!r} must be 1-128 letters, digits, spaces or +=,.@_-")
        if self.existing_id is not None and not USER_POOL_ID.fullmatch(self.existing_id):
            raise ValueError(
                f"existing_id {self.existing_id!r} is not a user pool id like eu-west-1_AbCdEf123"
            )
        if self.existing_client_id is not None and not CLIENT_ID.fullmatch(self.existing_client_id):
            raise ValueError(f"existing_client_id {self.existing_client_id!r} is not an app client id")
        if self.adopt_groups and self.existing_id is None:
            raise ValueError("adopt_groups imports groups of an existing pool; give existing_id, or drop it")
        return self


class UnlistedGroups(Frozen):
    access: str = Field(
        description="the access level (a template, as `groups[].access`) at which a member of a group "
        "the YAML does not list reaches the folder `<group name>/`"
    )


class IdentityPool(Frozen):
    role_mapping: Literal["token", "rules", "tags"] = Field(
        "token",
        description="`token`: each user gets the role of their group with the lowest precedence; "
        "`rules`: one `cognito:groups` `Equals` rule per group in precedence order (at most 25; see below); "
        "`tags`: one folders role, the union of a user's groups through principal tags "
        "(see Choosing a role mapping)",
    )
    users_without_group: Literal["deny", "private_only"] = Field(
        "deny", description="`deny`: no credentials; `private_only`: only their private folder"
    )
    allow_equal_precedence: bool = Field(
        False,
        description="two groups with the same precedence leave a member of both without a preferred role",
    )
    folders_per_level: int = Field(
        default=4,
        ge=1,
        le=50,
        description="`tags`: how many folders of one access level a user may hold (one principal tag each)",
    )
    existing_id: str | None = Field(
        None,
        description="an existing identity pool (`<region>:<GUID>`) to import with its roles attachment "
        "rather than create a second pool: its settings and its one role mapping become this file's, "
        "for every app already using it (see Adopting an existing setup)",
    )

    unlisted_groups: UnlistedGroups | None = Field(
        None,
        description="`tags`: a member of any group of the pool that the YAML does not list gets the folder "
        "`<group name>/` at `access`, decided by the Lambda at sign-in (no deploy); absent: such a group "
        "grants nothing",
    )

    @field_validator("existing_id")
    @classmethod
    def _identity_pool_id(cls, existing_id: str | None) -> str | None:
        if existing_id is not None and not IDENTITY_POOL_ID.fullmatch(existing_id):
            raise ValueError(
                f"existing_id {existing_id!r} is not an identity pool id like "
                "eu-west-1:0123abcd-0123-4567-89ab-0123456789ab"
            )
        return existing_id

    @model_validator(mode="after")
    def _folders_per_level_with_tags(self) -> IdentityPool:
        if "folders_per_level" in self.model_fields_set and self.role_mapping != "tags":
            raise ValueError("folders_per_level only matters with role_mapping: tags")
        if self.unlisted_groups is not None and self.role_mapping != "tags":
            raise ValueError(
                "unlisted_groups needs role_mapping: tags: only the Lambda of tags mode can grant a "
                "folder to a group at sign-in; other mappings need a role per group"
            )
        return self

    @property
    def ambiguous_role_resolution(self) -> str:
        """What Cognito does for a user whose token names no role (Token) or matches no rule
        (Rules): `deny` denies; `private_only` must reach the default role (private folder)."""
        return "AuthenticatedRole" if self.users_without_group == "private_only" else "Deny"


def _check_environment_name(name: str) -> str:
    if not ENV_NAME.fullmatch(name):
        raise ValueError(f"environment name {name!r} must be 1-32 of a-z, 0-9, '-', starting with a letter")
    return name


EnvironmentName = Annotated[str, AfterValidator(_check_environment_name)]


def tag_problem(key: str, value: str) -> str | None:
    """Why IAM would refuse the tag `key: value`, if it would."""
    if not 1 <= len(key) <= MAX_TAG_KEY or not _tag_text(key):
        return f"tag key {key!r} must be 1-128 letters, numbers, spaces or _.:/=+-@ (IAM's tag rules)"
    if len(value) > MAX_TAG_VALUE or not _tag_text(value):
        return f"value {value!r} must be 0-256 letters, numbers, spaces or _.:/=+-@ (IAM's tag rules)"
    return None


def _tag_text(text: str) -> bool:
    """Letters, numbers and spaces of any script, and `_.:/=+-@`: IAM's [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]."""
    return all(unicodedata.category(c)[0] in "LZN" or c in TAG_SYMBOLS for c in text)


def _check_principal(principal: str) -> str:
    if not PRINCIPAL_ARN.fullmatch(principal):
        raise ValueError(
            f"exempt principal {principal!r} is not an IAM role or user ARN (no wildcards; "
            "an account root ARN would exempt only the root user)"
        )
    return principal


def _check_key_arn(arn: str | None) -> str | None:
    if arn is not None and not KMS_KEY_ARN.fullmatch(arn):
        raise ValueError(f"{arn!r} is not a KMS key ARN")
    return arn


PrincipalArn = Annotated[str, AfterValidator(_check_principal)]


def _check_origin(origin: str) -> str:
    if origin == ANY_ORIGIN:
        return origin
    if not origin.startswith("https://"):
        raise ValueError(f"CORS origin {origin!r} must start with https://: only secure pages may use it")
    found = HTTPS_ORIGIN.fullmatch(origin)
    if not found or not 1 <= int(found.group(1) or 443) <= MAX_PORT:
        raise ValueError(
            f"CORS origin {origin!r} is not an origin like https://app.example.com "
            "(lowercase host name, optional port, no path, no trailing '/')"
        )
    return origin


CorsOrigin = Annotated[str, AfterValidator(_check_origin)]


class Bucket(Frozen):
    name: BucketName = Field(
        None, description="a new hardened bucket of this name", json_schema_extra=ONE_REQUIRED
    )
    existing: BucketName = Field(
        None, description="or an existing bucket, used as it is", json_schema_extra=ONE_REQUIRED
    )
    versioned: bool = Field(
        True,
        description="existing bucket: whether it is versioned (version actions follow); "
        "a new bucket always is",
    )
    encryption: Literal["kms", "s3"] = Field(
        "kms",
        description="new bucket: SSE-KMS with a rotated customer managed key (group roles get "
        "`kms:Decrypt`/`kms:GenerateDataKey` through `kms:ViaService` only), or `s3` (SSE-S3)",
        json_schema_extra=NEW_BUCKET_ONLY,
    )
    kms_key_arn: Annotated[str | None, AfterValidator(_check_key_arn)] = Field(
        None,
        description="existing bucket encrypted with a customer managed key: "
        "group roles get the same minimal KMS grants",
    )
    access_logs: bool = Field(
        True,
        description="new bucket: server access logs to `<name>-logs` (SSE-S3, versioned, 365-day retention)",
        json_schema_extra=NEW_BUCKET_ONLY,
    )
    noncurrent_version_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="new bucket: noncurrent versions expire after this many days; incomplete uploads after 7",
        json_schema_extra=NEW_BUCKET_ONLY,
    )
    folder_guard: bool = Field(
        False,
        description="defence in depth: the bucket policy closes the bucket's objects and listing to every "
        "principal but this environment's roles and the exempt principals, and each role to all but its own "
        "and its shared folders (`token`/`rules`: named in the role's tags, `folder_guard.1`, ..., so a "
        "folder must be a valid tag value and a role holds at most 50 tags, default tags included); "
        f"measured: {FOLDER_GUARD_GROUPS} groups of two folders each fit S3's 20 KB bucket-policy "
        "limit (a 22-character bucket name, two exempt principals), each group adding 52 bytes whatever its "
        "names and folders; with `role_mapping: tags` (one role) it does not grow with the groups, and "
        "the folders of `identity_pool.unlisted_groups`, unknown at synth, are closed like every object "
        "key to all but this environment's roles and the exempt principals",
        json_schema_extra=NEW_BUCKET_ONLY,
    )
    cors_origins: tuple[CorsOrigin, ...] = Field(
        (),
        description="new bucket: web pages (`https://host[:port]`) whose scripts may call S3 with a "
        "signed-in user's credentials (CORS); methods follow the capabilities in use: `GET`/`HEAD` to list "
        "and read, `PUT`/`POST` to write, `DELETE` to delete; `*` only with `cors_any_origin`",
        json_schema_extra=NEW_BUCKET_ONLY,
    )
    cors_any_origin: bool = Field(
        False,
        description='new bucket: mean it when `cors_origins` is `["*"]`: any web page may then use a '
        "signed-in user's credentials on the bucket",
        json_schema_extra=NEW_BUCKET_ONLY,
    )
    exempt_principals: tuple[PrincipalArn, ...] = Field(
        (),
        description="with `folder_guard`: IAM role or user ARNs that keep access (required, non-empty: "
        "deployers, backups)",
    )
    shared_with: tuple[EnvironmentName, ...] = Field(
        (),
        description="other environments on the same bucket; each must list this one too, and no folder "
        "(`private/` included) may contain another environment's",
    )

    @model_validator(mode="after")
    def _new_or_existing(self) -> Bucket:
        if (self.name is None) == (self.existing is None):
            raise ValueError("give either name (a new bucket) or existing (an existing bucket's name)")
        if self.existing is not None:
            _only_for_new_bucket(self)
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
        _check_folder_guard(self.folder_guard, self.exempt_principals, self.shared_with)
        _check_cors(self.cors_origins, self.cors_any_origin)
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


def _only_for_new_bucket(bucket: Bucket) -> None:
    """Settings of a new bucket given a value of their own (a base that spells out a default is fine)."""
    fields = type(bucket).model_fields
    settings = sorted(
        name
        for name in bucket.model_fields_set
        if field_mark(fields[name], "new_bucket_only") and getattr(bucket, name) != fields[name].get_default()
    )
    if settings:
        raise ValueError(
            f"{', '.join(settings)} configure a bucket created here; an existing bucket is used as it is"
        )


def _check_folder_guard(folder_guard: bool, exempt: tuple[str, ...], shared_with: tuple[str, ...]) -> None:
    if folder_guard and shared_with:
        raise ValueError(
            "folder_guard denies every principal but this environment's roles and exempt_principals, "
            f"so the roles of {', '.join(shared_with)} (shared_with) would lose their folders: turn "
            "folder_guard off on a shared bucket, or give each environment a bucket of its own"
        )
    if folder_guard and not exempt:
        raise ValueError(
            "folder_guard denies every principal but the group roles and exempt_principals: list the "
            "deployers and backup roles that must keep access (at least one IAM principal ARN)"
        )
    if exempt and not folder_guard:
        raise ValueError("exempt_principals only matter with folder_guard: true")
    if len(set(exempt)) != len(exempt):
        raise ValueError("exempt_principals lists a principal twice")


def _check_cors(origins: tuple[str, ...], any_origin: bool) -> None:
    if ANY_ORIGIN in origins and not any_origin:
        raise ValueError(
            "cors_origins '*' lets every web page use a signed-in user's credentials on this bucket: "
            "list the origins, or set cors_any_origin: true to mean it"
        )
    if any_origin and origins != (ANY_ORIGIN,):
        raise ValueError("cors_any_origin: true goes with cors_origins: ['*'] and no other origin")
    if len(set(origins)) != len(origins):
        raise ValueError("cors_origins lists an origin twice")


def _check_prefix(prefix: str) -> str:
    if not prefix.endswith("/"):
        raise ValueError(f"prefix {prefix!r} must end with '/' (or 'fin' would also match 'finance')")
    if prefix.startswith("/"):
        raise ValueError(f"prefix {prefix!r} must not start with '/': S3 keys have no leading slash")
    if any(part in ("", ".", "..") for part in prefix[:-1].split("/")):
        raise ValueError(f"prefix {prefix!r} has an empty, '.' or '..' folder")
    if not PREFIX_CHARACTER.fullmatch(prefix):
        raise ValueError(
            f"prefix {prefix!r} has a character outside letters, digits and !_.'()/-; "
            "'*', '?', '$', '{' and '}' are wildcards or variables in IAM and Terraform"
        )
    return prefix


Prefix = Annotated[str, AfterValidator(_check_prefix)]


class Group(Frozen):
    name: str = Field(description="1-128 letters, digits, `-`, `_`, `.`; unique without regard to case")
    description: str = Field("", description="the Cognito group's description (up to 2,048 characters)")
    access: str = Field(
        description="a template in `templates/policies/`: "
        "`list`, `read`, `write`, `readwrite`, `readwrite-nodelete`"
    )
    precedence: int = Field(ge=0, le=MAX_PRECEDENCE, description="Cognito precedence; lower wins")
    prefixes: tuple[Prefix, ...] | None = Field(
        default=None,
        min_length=1,
        description="folders the group owns; each ends in `/`; "
        "no folder may contain another or differ from it only in case",
        json_schema_extra={"default_text": "`[<name>/]`"},
    )

    adopt: bool | None = Field(
        None,
        description="existing pool: `true` imports this group (it exists there), `false` creates it",
        json_schema_extra={"default_text": "`user_pool.adopt_groups`"},
    )

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        if not SAFE_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a safe group name: use 1-128 letters, digits, '-', '_' or '.'")
        return name

    @field_validator("description")
    @classmethod
    def _short_description(cls, description: str) -> str:
        if len(description) > 2048:
            raise ValueError(f"is {len(description)} characters; Cognito allows 2048")
        return description

    @model_validator(mode="after")
    def _default_folder(self) -> Group:
        """`<name>/` passes the checks of a prefix written out: a group `..` would get `../`."""
        if self.prefixes is None:
            try:
                _check_prefix(f"{self.name}/")
            except ValueError as error:
                reason = f"the default folder of group {self.name!r}: {error}; give prefixes"
                raise ValueError(reason) from None
        return self

    @property
    def folders(self) -> tuple[str, ...]:
        """The prefixes this group owns; `<name>/` when none are given."""
        return self.prefixes if self.prefixes is not None else (f"{self.name}/",)


class SharedFolder(Frozen):
    prefix: Prefix = Field(
        description="a folder granted to several groups; ends in `/`; may not contain, lie in or differ only "
        "in case from a group's folder, another shared folder or `private/`"
    )
    access: dict[str, str] = Field(
        min_length=1,
        description="group name → that group's access level here (a template, as `groups[].access`), "
        "e.g. `{finance: readwrite-nodelete, analysts: read}`",
    )


class Limits(Frozen):
    iam_roles_per_account: int = Field(
        ROLES_PER_ACCOUNT,
        ge=ROLES_PER_ACCOUNT,
        le=MAX_ROLES_PER_ACCOUNT,
        description="your account's IAM role quota, once raised in Service Quotas (up to 5,000)",
    )


class Environment(Frozen):
    name: EnvironmentName = Field(description="the file name", json_schema_extra={"hidden": True})
    app: str = Field(description="name prefix of every role and pool (1-32 of `a-z`, `0-9`, `-`)")
    region: str = Field(description="the AWS region of the pools (aws partition)")
    account_id: str | None = Field(
        None,
        description="the AWS account (12 digits) to deploy to: the provider's `allowed_account_ids`, so "
        "other credentials fail before any change; the checks across environments count per account "
        "(environments without one share one account)",
    )
    deploy_role_arn: str | None = Field(
        None,
        description="an IAM role the provider assumes to deploy (`assume_role`): one CI identity "
        "deploying to several accounts; a role of `account_id` where that is given",
    )
    backend: Backend = Backend()
    tags: dict[str, str] = Field(
        {}, description="provider default tags (besides `app` and `environment`), as IAM allows them"
    )
    user_pool: UserPool
    identity_pool: IdentityPool = IdentityPool()
    bucket: Bucket
    private_folders: bool = Field(
        True, description="every role also reaches `private/${cognito-identity.amazonaws.com:sub}/`"
    )
    limits: Limits = Limits()
    groups: tuple[Group, ...] = Field(min_length=1)
    shared_folders: tuple[SharedFolder, ...] = Field(
        (), description="folders several groups reach, each group at its own level"
    )

    @field_validator("app")
    @classmethod
    def _app_name(cls, app: str) -> str:
        if not APP_NAME.fullmatch(app):
            raise ValueError(f"{app!r} must be 1-32 of a-z, 0-9, '-', starting with a letter")
        return app

    @field_validator("region")
    @classmethod
    def _region(cls, region: str) -> str:
        return check_region(region)

    @field_validator("account_id")
    @classmethod
    def _account_id(cls, account_id: str | None) -> str | None:
        if account_id is not None and not ACCOUNT_ID.fullmatch(account_id):
            raise ValueError(
                f"account_id {account_id!r} is not an AWS account id (12 digits, quoted in YAML)"
            )
        return account_id

    @field_validator("deploy_role_arn")
    @classmethod
    def _deploy_role_arn(cls, arn: str | None) -> str | None:
        if arn is not None and not ROLE_ARN.fullmatch(arn):
            raise ValueError(
                f"deploy_role_arn {arn!r} is not an IAM role ARN like arn:aws:iam::123456789012:role/deploy"
            )
        return arn

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        ours = ("aws:", f"{FOLDER_TAG}.")  # IAM compares tag keys without case
        reserved = sorted(key for key in tags if key in RESERVED_TAGS or key.lower().startswith(ours))
        if reserved:
            raise ValueError(
                f"{', '.join(reserved)}: set by groupfolders (app, environment, {FOLDER_TAG}.<n>) "
                "or by AWS (aws:)"
            )
        return tags

    def adopts(self, group: Group) -> bool:
        """Whether `group` exists in the existing pool and is imported rather than created."""
        return self.user_pool.adopt_groups if group.adopt is None else group.adopt

    @property
    def default_tags(self) -> dict[str, str]:
        """The provider's default tags: every resource carries them, the roles too."""
        return {"app": self.app, "environment": self.name, **self.tags}

    @property
    def groups_by_name(self) -> tuple[Group, ...]:
        """Groups in name order: what the stack is built from, so YAML order never matters."""
        return tuple(sorted(self.groups, key=lambda group: group.name))

    def shared_levels(self, group: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Each access level at which `group` holds shared folders, with those folders; levels
        and folders sorted, so that the order of the YAML never matters."""
        by_level: dict[str, list[str]] = {}
        for shared in self.shared_folders:
            if group in shared.access:
                by_level.setdefault(shared.access[group], []).append(shared.prefix)
        return tuple((level, tuple(sorted(folders))) for level, folders in sorted(by_level.items()))

    def folders_by_level(self, group: Group) -> dict[str, tuple[str, ...]]:
        """Every folder `group` reaches, its own and shared, by access level."""
        by_level = {group.access: group.folders}
        for level, folders in self.shared_levels(group.name):
            by_level[level] = (*by_level.get(level, ()), *folders)
        return by_level
