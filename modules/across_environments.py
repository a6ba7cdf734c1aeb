"""Rules across environments: what AWS keeps unique per account or region, one state per stack,
one owner per folder of a bucket, one environment per group of a shared pool.

Each problem is reported once, on the later environment (in file order), naming the earlier one
and its file. Every check is one pass with a dictionary: linear in the number of names.

Accounts: what AWS keeps unique per account is compared between environments that may share
one. Two environments with different `account_id`s never do; an environment without one may
be in any account, so it is compared with every other (all without one: one shared account).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass

from modules import limits, naming
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


Held = tuple[int, Claim, Checked]  # the first claim of a key in one account, in file order


def _unique(
    checked: Sequence[Checked],
    claims: Callable[[Environment], Iterator[Claim]],
    why: str,
    *,
    per_account: bool = False,
) -> Iterator[Clash]:
    """A clash for each claim whose key an earlier environment already claimed (`per_account`:
    an earlier environment that may share its account)."""
    first: dict[Hashable, dict[str | None, Held]] = {}
    for order, (environment, source) in enumerate(checked):
        account = environment.account_id if per_account else None
        for claim in claims(environment):
            holders = first.setdefault(claim.key, {})
            earlier = _first_in(holders, account)
            if earlier is not None and earlier[2][0] is not environment:
                _, taken, other = earlier
                what = f"{claim.label} is also {taken.owner}"
                yield _clash((environment, source), claim.path, other, what, why)
            holders.setdefault(account, (order, claim, (environment, source)))


def _first_in(holders: dict[str | None, Held], account: str | None) -> Held | None:
    """The earliest holder that may share `account`: of the same account or of an unknown one."""
    candidates = holders.values() if account is None else (holders.get(account), holders.get(None))
    found = [held for held in candidates if held is not None]
    return min(found, key=lambda held: held[0]) if found else None


def _accounts(checked: Sequence[Checked]) -> Iterator[tuple[str | None, list[Checked]]]:
    """Each account with the environments that may be in it: those that name it and those that
    name none; without any account_id, one shared account."""
    named = sorted({environment.account_id for environment, _ in checked if environment.account_id})
    if not named:
        yield None, list(checked)
    for account in named:
        yield account, [item for item in checked if item[0].account_id in (account, None)]


def _clash(mine: Checked, path: FieldPath, theirs: Checked, what: str, why: str) -> Clash:
    """`what` (at `path` of `mine`) belongs to the environment `theirs` already."""
    (environment, source), (other, other_source) = mine, theirs
    # A value written in a base file (extends) names the environment whose clash it is.
    whose = (
        "" if source.origin_of(path) == source.file else f"environment {environment.name!r} ({source.file}): "
    )
    reason = f"{whose}{what} of environment {other.name!r} ({other_source.file}); {why}"
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
    why = (
        "IAM role names are unique in an account, without regard to case (an environment without "
        "account_id may share any account): change app or the group's name"
    )
    return _unique(checked, _role_claims, why, per_account=True)


def role_quota(checked: Sequence[Checked]) -> Iterator[Clash]:
    """The roles of all environments that may share an account, against that account's quota
    (the largest any of them declares: a raised quota is the account's). One environment alone
    is its own file's check (modules.validation.group_counts)."""
    for account, members in _accounts(checked):
        if len(members) < 2:
            continue
        total = sum(naming.role_count(environment) for environment, _ in members)
        quota = max(environment.limits.iam_roles_per_account for environment, _ in members)
        if total <= quota:
            continue
        (environment, source), others = members[-1], members[:-1]
        where = f"account {account}" if account else "one account (no account_id)"
        listed = ", ".join(
            f"environment {other.name!r} ({other_source.file})" for other, other_source in others
        )
        text = limits.roles_text(quota)
        reason = f"{total:,} roles in {where}: this environment's and those of {listed}; {text}"
        path = ("account_id",) if environment.account_id else ("groups",)
        yield Clash(source.problem(path, reason), frozenset(e.name for e, _ in members))


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


def _in_account(environment: Environment) -> str:
    """Where a name is unique: the region, and the account where it is known."""
    account = environment.account_id
    return f"{environment.region}" + (f" of account {account}" if account else "")


def _user_pool_claims(environment: Environment) -> Iterator[Claim]:
    name = environment.user_pool.name
    if name is not None:
        label = f"user pool name {name!r} in {_in_account(environment)}"
        yield Claim((environment.region, name), ("user_pool", "name"), label, "the user pool")


def user_pool_names(checked: Sequence[Checked]) -> Iterator[Clash]:
    return _unique(checked, _user_pool_claims, "give each environment's pool its own name", per_account=True)


def _identity_pool_claims(environment: Environment) -> Iterator[Claim]:
    """An adopted identity pool keeps its own name (the stack ignores it)."""
    if environment.identity_pool.existing_id is not None:
        return
    name = naming.identity_pool_name(environment)
    label = f"identity pool name {name!r} (app-environment) in {_in_account(environment)}"
    yield Claim((environment.region, name), ("app",), label, "the identity pool")


def identity_pool_names(checked: Sequence[Checked]) -> Iterator[Clash]:
    why = "change app: names joined with '-' must not coincide"
    return _unique(checked, _identity_pool_claims, why, per_account=True)


def _adopted_identity_pool(environment: Environment) -> Iterator[Claim]:
    existing = environment.identity_pool.existing_id
    if existing is not None:
        label = f"identity pool {existing}"
        yield Claim(existing, ("identity_pool", "existing_id"), label, "the identity pool")


def adopted_identity_pools(checked: Sequence[Checked]) -> Iterator[Clash]:
    why = (
        "an identity pool has one roles attachment, so two environments would overwrite each "
        "other's role mapping on every apply: give each environment its own identity pool"
    )
    return _unique(checked, _adopted_identity_pool, why)


def _pool_groups(environment: Environment) -> Iterator[Claim]:
    """The groups an environment creates or adopts in an existing pool (names compared without
    case, as within one environment)."""
    pool = environment.user_pool.existing_id
    if pool is None:
        return
    for index, group in enumerate(environment.groups):
        how = "adopts" if environment.adopts(group) else "creates"
        label = f"group {group.name!r} of user pool {pool}"
        yield Claim((pool, group.name.lower()), ("groups", index, "name"), label, f"a group it {how}")


def shared_pool_groups(checked: Sequence[Checked]) -> Iterator[Clash]:
    why = (
        "two environments would each manage this Cognito group, its role and its precedence "
        "(the second create fails; an adoption fights the other's every apply): keep each group "
        "in one environment, or rename it in one"
    )
    return _unique(checked, _pool_groups, why)


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
    role_quota,
    new_bucket_names,
    shared_buckets,
    bucket_folders,
    state_backends,
    user_pool_names,
    identity_pool_names,
    adopted_identity_pools,
    shared_pool_groups,
)


def problems_across(checked: Sequence[Checked], asked: frozenset[str] | None) -> list[Problem]:
    """Every problem between two of `checked` that involves an environment in `asked` (all if None)."""
    return [
        clash.problem
        for rule in RULES
        for clash in rule(checked)
        if asked is None or clash.environments & asked
    ]
