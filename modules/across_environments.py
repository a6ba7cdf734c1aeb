"""Rules across environments: what AWS keeps unique per account or region, one state per stack,
one owner per folder of a bucket.

Each problem is reported once, on the later environment (in file order), naming the earlier one
and its file. Every check is one pass with a dictionary: linear in the number of names.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass

from modules import naming
from modules.config.model import Environment
from modules.config.yaml_source import FieldPath, Source
from modules.errors import Problem
from modules.folders import first_overlaps

Checked = tuple[Environment, Source]


@dataclass(frozen=True)
class Clash:
    """A problem and the environments it involves (it is shown when any of them is asked for)."""

    problem: Problem
    environments: frozenset[str]


@dataclass(frozen=True)
class Claim:
    """One environment's use of something that must be its own: `label` names it, `owner` says
    whose it is when another environment finds it taken."""

    key: Hashable
    path: FieldPath
    label: str
    owner: str


def _unique(
    checked: Sequence[Checked], claims: Callable[[Environment], Iterator[Claim]], why: str
) -> Iterator[Clash]:
    """A clash for each claim whose key an earlier environment already claimed."""
    first: dict[Hashable, tuple[Claim, Checked]] = {}
    for environment, source in checked:
        for claim in claims(environment):
            taken, other = first.setdefault(claim.key, (claim, (environment, source)))
            if other[0] is not environment:
                yield _clash(
                    (environment, source), claim.path, other, f"{claim.label} is also {taken.owner}", why
                )


def _clash(mine: Checked, path: FieldPath, theirs: Checked, what: str, why: str) -> Clash:
    """`what` (at `path` of `mine`) belongs to the environment `theirs` already."""
    (environment, source), (other, other_source) = mine, theirs
    reason = f"{what} of environment {other.name!r} ({other_source.file}); {why}"
    problem = source.problem(path, reason)
    return Clash(problem, frozenset((environment.name, other.name)))


def _role_claims(environment: Environment) -> Iterator[Claim]:
    name = naming.default_role_name(environment)
    yield Claim(name.lower(), ("app",), f"role name {name!r}", "the role of users without a group")
    for index, group in enumerate(environment.groups):
        name = naming.role_name(environment, group)
        owner = f"the role of group {group.name!r}"
        yield Claim(name.lower(), ("groups", index, "name"), f"role name {name!r}", owner)


def role_names(checked: Sequence[Checked]) -> Iterator[Clash]:
    why = "IAM role names are unique in an account, without regard to case: change app or the group's name"
    return _unique(checked, _role_claims, why)


def _bucket_claims(environment: Environment) -> Iterator[Claim]:
    bucket = environment.bucket
    if bucket.name is None:
        return
    yield Claim(bucket.name, ("bucket", "name"), f"new bucket {bucket.name!r}", "the new bucket")
    if bucket.access_logs:
        log = bucket.log_bucket_name
        yield Claim(log, ("bucket", "name"), f"its log bucket {log!r}", "the access-log bucket")


def new_bucket_names(checked: Sequence[Checked]) -> Iterator[Clash]:
    why = "S3 bucket names are global, and one environment creates a bucket: the other says existing"
    return _unique(checked, _bucket_claims, why)


def _state(environment: Environment) -> Iterator[Claim]:
    backend = environment.backend
    if backend.type == "s3":
        where = f"s3://{backend.bucket}/{backend.key}"
    else:
        # A relative local path is relative to the stack's directory, cdktf.out/stacks/<env>/.
        path = backend.path or f"terraform.{environment.name}.tfstate"
        where = posixpath.normpath(posixpath.join(f"stacks/{environment.name}", path))
    yield Claim(where, ("backend",), f"state {where}", "the state")


def state_backends(checked: Sequence[Checked]) -> Iterator[Clash]:
    why = "two stacks on one state would each plan to destroy the other's resources: give each its own"
    return _unique(checked, _state, why)


def _user_pool_claims(environment: Environment) -> Iterator[Claim]:
    name = environment.user_pool.name
    if name is not None:
        label = f"user pool name {name!r} in {environment.region}"
        yield Claim((environment.region, name), ("user_pool", "name"), label, "the user pool")


def user_pool_names(checked: Sequence[Checked]) -> Iterator[Clash]:
    return _unique(checked, _user_pool_claims, "give each environment's pool its own name")


def _identity_pool_claims(environment: Environment) -> Iterator[Claim]:
    name = naming.identity_pool_name(environment)
    label = f"identity pool name {name!r} (app-environment) in {environment.region}"
    yield Claim((environment.region, name), ("app",), label, "the identity pool")


def identity_pool_names(checked: Sequence[Checked]) -> Iterator[Clash]:
    return _unique(checked, _identity_pool_claims, "change app: names joined with '-' must not coincide")


def shared_buckets(checked: Sequence[Checked]) -> Iterator[Clash]:
    """Environments on one bucket must each name the others in bucket.shared_with."""
    first: dict[str, Checked] = {}
    for mine in checked:
        environment = mine[0]
        bucket = environment.bucket.bucket_name
        theirs = first.setdefault(bucket, mine)
        if theirs is not mine and not _share(environment, theirs[0]):
            field = "name" if environment.bucket.name is not None else "existing"
            why = "environments share a bucket only when each lists the other in bucket.shared_with"
            yield _clash(mine, ("bucket", field), theirs, f"bucket {bucket!r} is also the bucket", why)


def _share(environment: Environment, other: Environment) -> bool:
    return other.name in environment.bucket.shared_with and environment.name in other.bucket.shared_with


@dataclass(frozen=True)
class _Folder:
    checked: Checked
    folder: str
    path: FieldPath
    owner: str


def _folders(checked: Checked) -> Iterator[_Folder]:
    environment, _ = checked
    if environment.private_folders:
        yield _Folder(checked, "private/", ("private_folders",), "the private folders")
    for index, group in enumerate(environment.groups):
        for position, folder in enumerate(group.folders):
            yield _Folder(checked, folder, ("groups", index, "prefixes", position), f"group {group.name!r}")
    for j, shared in enumerate(environment.shared_folders):
        yield _Folder(checked, shared.prefix, ("shared_folders", j, "prefix"), f"shared_folders[{j}]")


def bucket_folders(checked: Sequence[Checked]) -> Iterator[Clash]:
    """On one bucket, no folder of one environment may contain, lie in or equal another's."""
    by_bucket: dict[str, list[_Folder]] = {}
    for item in checked:
        by_bucket.setdefault(item[0].bucket.bucket_name, []).extend(_folders(item))
    for bucket, folders in by_bucket.items():
        # Each environment is valid alone, so every overlap found joins two environments.
        for later, earlier in first_overlaps([f.folder for f in folders]):
            mine, theirs = folders[later], folders[earlier]
            what = f"{mine.folder!r} overlaps {theirs.folder!r} of {theirs.owner}"
            why = f"on bucket {bucket!r} each folder must belong to exactly one environment and group"
            yield _clash(mine.checked, mine.path, theirs.checked, what, why)


RULES: tuple[Callable[[Sequence[Checked]], Iterator[Clash]], ...] = (
    role_names,
    new_bucket_names,
    shared_buckets,
    bucket_folders,
    state_backends,
    user_pool_names,
    identity_pool_names,
)


def problems_across(checked: Sequence[Checked], asked: frozenset[str] | None) -> list[Problem]:
    """Every problem between two of `checked` that involves an environment in `asked` (all if None)."""
    return [
        clash.problem
        for rule in RULES
        for clash in rule(checked)
        if asked is None or clash.environments & asked
    ]
