"""Who can do what: the access model read back from the rendered IAM documents.

The report prints this model and the semantic tests hold an independent IAM evaluator
to it, so it is read from the very documents that are emitted (`environment_documents`),
not from the config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modules import naming, unlisted_groups
from modules.config.model import MAX_PRECEDENCE, Environment
from modules.policies.actions import BY_NAME, LIST_ACTIONS, capabilities
from modules.policies.documents import PRIVATE_PREFIX, Document, group_policy
from modules.policies.environment_documents import environment_documents, role_scope
from modules.policies.principal_tags import unlisted_data
from modules.policies.references import placeholder_references

PRIVATE_FOLDER = "private/<identity id>/"
# How the report writes the folder of a group the configuration does not list.
UNLISTED_FOLDER = "<name>/"


@dataclass(frozen=True)
class FolderGrant:
    prefix: str
    actions: tuple[str, ...]

    @property
    def capabilities(self) -> tuple[str, ...]:
        return capabilities(self.actions)


@dataclass(frozen=True)
class RoleAccess:
    role_name: str
    group: str | None  # None: the role of authenticated users in no group
    precedence: int | None
    level: str | None  # the group's access level
    grants: tuple[FolderGrant, ...]
    # tags mode: the folders the pre-token Lambda issues for this group, per level
    level_folders: tuple[tuple[str, tuple[str, ...]], ...] = ()
    adopted: bool = False  # the group exists in an existing pool and is imported, members and all

    def allows(self, action: str, path: str, identity_id: str) -> bool:
        """May a caller with `identity_id` do `action` on object key `path` (for a listing: its prefix)?"""
        return grants_allow(self.grants, action, path, identity_id)


@dataclass(frozen=True)
class SharedGrant:
    group: str
    level: str
    capabilities: tuple[str, ...]  # as read from the group's policy


@dataclass(frozen=True)
class SharedFolderAccess:
    prefix: str
    grants: tuple[SharedGrant, ...]  # groups by name


@dataclass(frozen=True)
class UnlistedAccess:
    """tags with unlisted_groups: any other group of the pool reaches `<name>/` at `level`,
    unless the Lambda's own rule refuses the name for the listed names and reserved folders."""

    level: str
    actions: tuple[str, ...]  # what `level` allows in the folder, read from its rendered policy
    listed: tuple[str, ...]  # the listed groups' names, lowercased
    reserved: tuple[str, ...]  # the folders no unlisted group may take

    @property
    def capabilities(self) -> tuple[str, ...]:
        return capabilities(self.actions)

    def refusal(self, group: str) -> str | None:
        data = {"access": self.level, "listed": list(self.listed), "reserved": list(self.reserved)}
        return unlisted_groups.refusal(group, data)


@dataclass(frozen=True)
class EnvironmentAccess:
    environment: str
    bucket: str
    roles: tuple[RoleAccess, ...]  # groups by name
    no_group: RoleAccess | None  # None: users in no group get no credentials
    private_folders: bool
    role_mapping: str  # token | rules | tags
    ambiguous_role_resolution: str  # Deny | AuthenticatedRole
    settings: tuple[tuple[str, str], ...]  # what else decides access, for the diff
    folder_guard_exempt: tuple[str, ...] | None  # None: no folder guard
    lifecycle: tuple[tuple[str, str], ...]  # what decides whether users or objects survive a change
    shared_folders: tuple[SharedFolderAccess, ...] = ()  # by prefix
    folders_per_level: int | None = None  # tags mode: folders of one level a user may hold
    unlisted: UnlistedAccess | None = None  # tags mode: the rule for groups not listed

    def role(self, group: str) -> RoleAccess:
        """A listed group's role; for another group, what the unlisted rule gives its members."""
        found = next((role for role in self.roles if role.group == group), None)
        if found is not None:
            return found
        if self.unlisted is None:
            raise KeyError(group)
        private = tuple(g for g in self.roles[0].grants if g.prefix == PRIVATE_FOLDER)
        if self.unlisted.refusal(group) is not None:
            return RoleAccess(self.roles[0].role_name, group, None, None, private)
        folder = f"{group}/"
        return RoleAccess(
            self.roles[0].role_name,
            group,
            None,
            self.unlisted.level,
            (FolderGrant(folder, self.unlisted.actions), *private),
            ((self.unlisted.level, (folder,)),),
        )

    def listed(self, group: str) -> bool:
        return any(role.group == group for role in self.roles)

    @property
    def shared_prefixes(self) -> frozenset[str]:
        return frozenset(folder.prefix for folder in self.shared_folders)

    @property
    def precedence_order(self) -> tuple[RoleAccess, ...]:
        """Whose role a user in several groups receives: the first of theirs in this order."""
        return tuple(sorted(self.roles, key=lambda role: (role.precedence, role.group)))

    @property
    def ties(self) -> tuple[tuple[str, ...], ...]:
        """Groups sharing a precedence: a member of two of them gets no preferred role (Token)."""
        by_precedence: dict[int | None, list[str]] = {}
        for role in self.precedence_order:
            by_precedence.setdefault(role.precedence, []).append(str(role.group))
        return tuple(tuple(names) for names in by_precedence.values() if len(names) > 1)


@dataclass(frozen=True)
class Received:
    """What a member of exactly some groups gets: one of the roles (token, rules), or in tags
    mode the union of the groups' folders that the pre-token Lambda issues."""

    roles: tuple[RoleAccess, ...]  # the member's groups, by precedence then name
    role: RoleAccess | None  # the credentials' role; None: no credentials
    folders: tuple[FolderGrant, ...]  # what the member may do
    by_level: tuple[tuple[str, tuple[str, ...]], ...] = ()  # tags: the folders tagged, per level
    overflow: tuple[tuple[str, int], ...] = ()  # tags: levels with more folders than a user may hold

    def allows(self, action: str, path: str, identity_id: str) -> bool:
        """May this member, signed in as `identity_id`, do `action` on object key `path` (for a
        listing: its prefix)?"""
        return any(_grant_allows(grant, action, path, identity_id) for grant in self.folders)


def received(access: EnvironmentAccess, groups: Sequence[str]) -> Received:
    """token: the lowest precedence wins, and a tie leaves no preferred role (ambiguous role
    resolution); rules: the first rule, in precedence then name order; tags: the union, or
    only the private folder when a level overflows (the Lambda fails closed)."""
    roles = tuple(
        sorted(
            (access.role(name) for name in dict.fromkeys(groups)),
            # A group made in the console may have no precedence: Cognito ranks it last.
            key=lambda r: (MAX_PRECEDENCE + 1 if r.precedence is None else r.precedence, str(r.group)),
        )
    )
    first = roles[0]
    if access.role_mapping == "tags":
        return _union(access, roles)
    tied = access.role_mapping == "token" and len(roles) > 1 and roles[1].precedence == first.precedence
    role = (
        (access.no_group if access.ambiguous_role_resolution == "AuthenticatedRole" else None)
        if tied
        else first
    )
    return Received(roles, role, role.grants if role else ())


def _union(access: EnvironmentAccess, roles: tuple[RoleAccess, ...]) -> Received:
    by_level: dict[str, set[str]] = {}
    for role in roles:
        for level, folders in role.level_folders:
            by_level.setdefault(level, set()).update(folders)
    slots = access.folders_per_level or 0
    levels = tuple((level, tuple(sorted(found))) for level, found in sorted(by_level.items()))
    overflow = tuple((level, len(found)) for level, found in levels if len(found) > slots)
    if overflow:
        private = tuple(grant for grant in roles[0].grants if grant.prefix == PRIVATE_FOLDER)
        return Received(roles, roles[0], private, levels, overflow)
    return Received(roles, roles[0], merged(roles), levels)


def merged(roles: Sequence[RoleAccess]) -> tuple[FolderGrant, ...]:
    """Each folder once, with the actions of every role that grants it (first-seen order, the
    private folder last, as in one role)."""
    actions: dict[str, set[str]] = {}
    for role in roles:
        for grant in role.grants:
            actions.setdefault(grant.prefix, set()).update(grant.actions)
    ordered = sorted(actions.items(), key=lambda item: item[0] == PRIVATE_FOLDER)
    return tuple(FolderGrant(prefix, tuple(sorted(found))) for prefix, found in ordered)


def environment_access(environment: Environment, templates: Path | None = None) -> EnvironmentAccess:
    """`templates`: the access levels' directory the documents are rendered with."""
    documents = environment_documents(environment, placeholder_references(environment), templates)
    bucket_arn = environment.bucket.arn
    tags = environment.identity_pool.role_mapping == "tags"
    roles = tuple(
        RoleAccess(
            role_name=naming.group_role_name(environment, group),
            group=group.name,
            precedence=group.precedence,
            level=group.access,
            grants=grants(documents.group_policies[group.name], bucket_arn),
            level_folders=tuple(environment.folders_by_level(group).items()) if tags else (),
            adopted=environment.adopts(group),
        )
        for group in environment.groups_by_name
    )
    default = documents.no_group_policy
    no_group = (
        None
        if default is None
        else RoleAccess(naming.default_role_name(environment), None, None, None, grants(default, bucket_arn))
    )
    pool, bucket = environment.identity_pool, environment.bucket
    settings = (
        ("role mapping", pool.role_mapping),
        ("ambiguous role resolution", pool.ambiguous_role_resolution),
        (
            "folder guard",
            f"on, exempt: {', '.join(bucket.exempt_principals)}" if bucket.folder_guard else "off",
        ),
        ("bucket", f"{'new' if bucket.name is not None else 'existing'} {bucket.bucket_name}"),
        ("bucket encryption", _encryption(environment)),
        ("user pool", _user_pool(environment)),
        ("identity pool", _identity_pool(environment)),
        *((("folders per level", str(pool.folders_per_level)),) if tags else ()),
        *_unlisted_settings(environment),
        ("cors origins", ", ".join(sorted(bucket.cors_origins)) or "none"),
        # Where the stack is deployed, not who reaches what: a change of either is neutral.
        ("account", environment.account_id or "not given"),
        ("deploy role", environment.deploy_role_arn or "the caller's credentials"),
    )
    return EnvironmentAccess(
        environment=environment.name,
        bucket=bucket.bucket_name,
        roles=roles,
        no_group=no_group,
        private_folders=environment.private_folders,
        role_mapping=pool.role_mapping,
        ambiguous_role_resolution=pool.ambiguous_role_resolution,
        settings=settings,
        folder_guard_exempt=bucket.exempt_principals if bucket.folder_guard else None,
        lifecycle=(
            ("user pool deletion protection", "on" if environment.user_pool.deletion_protection else "off"),
        )
        if environment.user_pool.name is not None
        else (),
        shared_folders=_shared_folders(environment, roles),
        folders_per_level=pool.folders_per_level if tags else None,
        unlisted=_unlisted(environment, templates),
    )


def _unlisted_settings(environment: Environment) -> tuple[tuple[str, str], ...]:
    """tags: the rule for groups not listed, and the folders no such group may take."""
    if environment.identity_pool.role_mapping != "tags":
        return ()
    data = unlisted_data(environment)
    if data is None:
        return (("unlisted groups", "off"),)
    return (
        ("unlisted groups", f"{UNLISTED_FOLDER} at {data['access']}"),
        ("unlisted groups reserve", ", ".join(data["reserved"] + [f"{n} (group)" for n in data["listed"]])),
    )


def _unlisted(environment: Environment, templates: Path | None) -> UnlistedAccess | None:
    data = unlisted_data(environment)
    if data is None:
        return None
    scope = role_scope(environment, placeholder_references(environment), templates)
    rendered = grants(group_policy(data["access"], (UNLISTED_FOLDER,), scope), environment.bucket.arn)
    actions = next(grant.actions for grant in rendered if grant.prefix == UNLISTED_FOLDER)
    return UnlistedAccess(data["access"], actions, tuple(data["listed"]), tuple(data["reserved"]))


def _shared_folders(
    environment: Environment, roles: tuple[RoleAccess, ...]
) -> tuple[SharedFolderAccess, ...]:
    by_group = {role.group: {grant.prefix: grant for grant in role.grants} for role in roles}
    return tuple(
        SharedFolderAccess(
            folder.prefix,
            tuple(
                SharedGrant(group, level, by_group[group][folder.prefix].capabilities)
                for group, level in sorted(folder.access.items())
            ),
        )
        for folder in sorted(environment.shared_folders, key=lambda folder: folder.prefix)
    )


def _encryption(environment: Environment) -> str:
    bucket = environment.bucket
    if not bucket.encrypted_with_kms:
        return "SSE-S3"
    return (
        f"SSE-KMS with key {bucket.kms_key_arn}" if bucket.kms_key_arn else "SSE-KMS with a key created here"
    )


def _user_pool(environment: Environment) -> str:
    pool = environment.user_pool
    if pool.name is not None:
        return f"new {pool.name}"
    return f"existing {pool.existing_id} (app client {pool.existing_client_id})"


def _identity_pool(environment: Environment) -> str:
    existing = environment.identity_pool.existing_id
    return f"existing {existing}" if existing else f"new {naming.identity_pool_name(environment)}"


def grants(document: Document, bucket_arn: str) -> tuple[FolderGrant, ...]:
    """Per folder, the S3 actions a document allows there (folders in first-seen order).

    Statements of other services (the bucket key's) grant nothing in a folder by themselves.
    """
    actions: dict[str, set[str]] = {}
    for statement in document["Statement"]:
        if not all(action in BY_NAME for action in statement["Action"]):
            continue
        for prefix in _statement_folders(statement, bucket_arn):
            actions.setdefault(_display(prefix), set()).update(statement["Action"])
    return tuple(FolderGrant(prefix, tuple(sorted(found))) for prefix, found in actions.items())


def _statement_folders(statement: dict[str, Any], bucket_arn: str) -> list[str]:
    if set(statement["Action"]) <= LIST_ACTIONS:
        values = [v for block in statement.get("Condition", {}).values() for v in block.get("s3:prefix", [])]
        return list(dict.fromkeys(v.removesuffix("*") for v in values))
    return [r.removeprefix(f"{bucket_arn}/").removesuffix("*") for r in statement["Resource"]]


def _display(prefix: str) -> str:
    return PRIVATE_FOLDER if prefix == PRIVATE_PREFIX else prefix


def grants_allow(grants: Sequence[FolderGrant], action: str, path: str, identity_id: str) -> bool:
    """Whether any of `grants` lets a caller with `identity_id` do `action` on `path`."""
    return any(_grant_allows(grant, action, path, identity_id) for grant in grants)


def _grant_allows(grant: FolderGrant, action: str, path: str, identity_id: str) -> bool:
    """`path` is an object key, or the prefix of a listing; S3 keys are case-sensitive."""
    prefix = f"private/{identity_id}/" if grant.prefix == PRIVATE_FOLDER else grant.prefix
    return action in grant.actions and path.startswith(prefix)
