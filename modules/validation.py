"""Everything checked before a construct exists: models, then rules across groups and policies."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from modules import limits, naming
from modules.across_environments import problems_across
from modules.config.load import environment_files, load_environment
from modules.config.model import Environment, Group, arn_account, tag_problem
from modules.config.yaml_source import FieldPath, Source
from modules.errors import ConfigError, Problem, did_you_mean
from modules.folders import first_overlaps
from modules.policies import principal_tags
from modules.policies.documents import minified_size
from modules.policies.environment_documents import GroupTemplateErrors, environment_documents, guarded_folders
from modules.policies.references import placeholder_references
from modules.policies.templates import access_levels

Rule = Callable[[Environment, Source], Iterator[Problem]]
GroupRule = Callable[[Sequence[Group], Source], Iterator[Problem]]  # reads the groups alone


def load_valid_environments(
    directory: Path,
    names: Sequence[str] = (),
    templates: Path | None = None,
    *,
    extends_outside: bool = False,
) -> tuple[Environment, ...]:
    """Every requested environment, valid; or one ConfigError (see load_checked_environments)."""
    checked = load_checked_environments(directory, names, templates, extends_outside=extends_outside)
    return tuple(environment for environment, _ in checked)


def load_checked_environments(
    directory: Path,
    names: Sequence[str] = (),
    templates: Path | None = None,
    *,
    extends_outside: bool = False,
) -> tuple[tuple[Environment, Source], ...]:
    """Every requested environment, valid, with where each of its values is written; or one
    ConfigError listing all problems of all files.

    `templates`: the access levels' directory (None: this project's templates/policies/).
    `extends_outside`: let `extends` name files outside `directory` (--allow-extends-outside).

    Environments are also checked against each other (names AWS keeps unique, state backends,
    shared buckets). With `names`, the directory's other environments are loaded for that
    comparison too, and only problems that involve a requested environment are reported. An
    environment that is invalid on its own is left out of the comparison.
    """
    problems: list[Problem] = []
    checked: dict[Path, tuple[Environment, Source]] = {}
    requested = environment_files(directory, names)
    for path in requested:
        problems += _check_file(path, checked, templates, extends_outside)
    if checked and names:
        for path in environment_files(directory):
            if path not in requested:
                _check_file(path, checked, templates, extends_outside)
    in_order = [checked[path] for path in sorted(checked)]
    problems += problems_across(in_order, frozenset(names) if names else None)
    if problems:
        raise ConfigError(problems)
    return tuple(checked[path] for path in requested)


def _check_file(
    path: Path,
    checked: dict[Path, tuple[Environment, Source]],
    templates: Path | None,
    extends_outside: bool,
) -> list[Problem]:
    """Every problem of one environment file in one pass: its fields', and those of the rules
    over what is valid; a valid file is added to `checked`."""
    try:
        loaded = load_environment(path, extends_outside=extends_outside)
    except ConfigError as error:
        return list(error.problems)
    if loaded.environment is not None:
        complete = not loaded.problems
        found = environment_problems(
            loaded.environment, loaded.source, templates, complete=complete, left_out=loaded.left_out
        )
        if complete and not found:
            checked[path] = (loaded.environment, loaded.source)
    else:
        found = group_problems(loaded.groups, loaded.source, templates)
    return [*loaded.problems, *(p for p in found if not _said(p, loaded.problems))]


def _said(problem: Problem, problems: Sequence[Problem]) -> bool:
    """Whether a field's own check already spoke about the value `problem` is about (or a part
    of it, or the whole it belongs to): a rule never adds a second word on a broken value."""
    return any(
        problem.file == other.file
        and (_within(problem.path, other.path) or _within(other.path, problem.path))
        for other in problems
    )


def _within(path: str, whole: str) -> bool:
    return path == whole or path.startswith((f"{whole}.", f"{whole}["))


def environment_problems(
    environment: Environment,
    source: Source,
    templates: Path | None,
    *,
    complete: bool = True,
    left_out: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Quotas first: past the role quota a file is not worth the per-group checks. Not
    `complete` (groups left out): counts of groups would be wrong, so they wait; the names of
    the groups `left_out` for their own problems are no unknown groups elsewhere."""
    quotas = list(group_counts(environment, source)) if complete else []
    if _over_role_quota(environment):
        return quotas
    found = [problem for rule in RULES for problem in rule(environment, source)]
    levels = list(unknown_access_levels(environment.groups, source, templates))
    unlisted = list(unlisted_level(environment, source, templates))
    # A shared grant to no group, or at no level, leaves nothing to render and measure; nor
    # does an unknown level of unlisted groups, which the folders policy would render.
    grants = list(shared_folder_grants(environment, source, templates, left_out))
    sizes = (
        []
        if grants or unlisted
        else list(document_sizes(environment, source, templates, known_levels=not levels))
    )
    return [*found, *levels, *unlisted, *grants, *sizes, *quotas]


def group_problems(groups: Sequence[Group], source: Source, templates: Path | None) -> list[Problem]:
    """The rules that read the groups alone, for a file whose other settings are invalid."""
    found = [problem for rule in GROUP_RULES for problem in rule(groups, source)]
    return [*found, *unknown_access_levels(groups, source, templates)]


def _group_problem(source: Source, index: int, field: str | FieldPath, reason: str) -> Problem:
    return source.problem(("groups", index, *((field,) if isinstance(field, str) else field)), reason)


def unknown_access_levels(
    groups: Sequence[Group], source: Source, templates: Path | None
) -> Iterator[Problem]:
    """An access level names a template; a near miss gets a suggestion."""
    known = access_levels(templates)
    for index, group in enumerate(groups):
        if group.access not in known:
            suggestion = did_you_mean(group.access, known)
            reason = f"unknown access level {group.access!r}{suggestion}; known levels: {', '.join(known)}"
            yield _group_problem(source, index, "access", reason)


def unlisted_level(environment: Environment, source: Source, templates: Path | None) -> Iterator[Problem]:
    """The level of unlisted groups names a template, as a group's does."""
    unlisted, known = environment.identity_pool.unlisted_groups, access_levels(templates)
    if unlisted is not None and unlisted.access not in known:
        suggestion = did_you_mean(unlisted.access, known)
        reason = f"unknown access level {unlisted.access!r}{suggestion}; known levels: {', '.join(known)}"
        yield source.problem(("identity_pool", "unlisted_groups", "access"), reason)


def unlisted_on_own_bucket(environment: Environment, source: Source) -> Iterator[Problem]:
    """An unlisted group may be named like any folder this configuration does not hold; on a bucket
    that other environments' roles use, that could be one of theirs, today's or a future one's."""
    if environment.identity_pool.unlisted_groups is not None and environment.bucket.shared_with:
        reason = (
            "unlisted_groups gives any group of the pool the folder of its name, which on a bucket "
            f"shared_with {', '.join(environment.bucket.shared_with)} could be a folder of theirs: "
            "give this environment a bucket of its own, or list its groups"
        )
        yield source.problem(("identity_pool", "unlisted_groups"), reason)


def duplicate_names(groups: Sequence[Group], source: Source) -> Iterator[Problem]:
    """Each group against the first earlier group that has its name (without case) or one of
    its Terraform names."""
    by_lower: dict[str, Group] = {}
    by_block: dict[str, int] = {}
    for index, group in enumerate(groups):
        blocks = naming.block_names(group.name)
        if (first := by_lower.get(group.name.lower())) is not None:
            reason = f"{group.name!r} repeats group {first.name!r}; group names are compared without case"
            yield _group_problem(source, index, "name", reason)
        elif owners := [by_block[name] for name in blocks if name in by_block]:
            first = groups[min(owners)]
            shared = sorted(naming.block_names(first.name) & blocks)
            reason = (
                f"{group.name!r} and {first.name!r} would share the Terraform name {shared[0]}; rename one"
            )
            yield _group_problem(source, index, "name", reason)
        by_lower.setdefault(group.name.lower(), group)
        for name in blocks:
            by_block.setdefault(name, index)


def overlapping_prefixes(groups: Sequence[Group], source: Source) -> Iterator[Problem]:
    """No folder may contain another, nor differ from it only in case."""
    folders = [
        (index, position, group, folder)
        for index, group in enumerate(groups)
        for position, folder in enumerate(group.folders)
    ]
    for later, earlier in first_overlaps([folder for *_, folder in folders]):
        (_, _, first, a), (index, position, second, b) = folders[earlier], folders[later]
        owner = "the same group" if first is second else f"group {first.name!r}"
        reason = f"{b!r} {_relation(a, b)} {a!r} of {owner}; each folder must belong to exactly one place"
        yield _group_problem(source, index, ("prefixes", position), reason)


def _relation(a: str, b: str) -> str:
    """How folder `b` overlaps folder `a`."""
    return "repeats" if a == b else "differs only in case from" if a.lower() == b.lower() else "overlaps"


def shared_folder_overlaps(environment: Environment, source: Source) -> Iterator[Problem]:
    """A shared folder overlaps no group's folder, no other shared folder and not private/
    (overlaps among groups' folders are `overlapping_prefixes`' to report)."""
    owners = [(f"group {g.name!r}", folder) for g in environment.groups for folder in g.folders]
    if environment.private_folders:
        owners.append(("", "private/"))
    first_shared = len(owners)
    owners += [(f"shared_folders[{j}]", shared.prefix) for j, shared in enumerate(environment.shared_folders)]
    for later, earlier in first_overlaps([folder for _, folder in owners]):
        if later < first_shared:
            continue
        (owner, a), (_, b) = owners[earlier], owners[later]
        whose = f" of {owner}" if owner else ", which holds every user's own folder"
        reason = f"{b!r} {_relation(a, b)} {a!r}{whose}; a shared folder must be a folder of its own"
        j = later - first_shared
        yield source.problem(("shared_folders", j, "prefix"), reason)


def shared_folder_grants(
    environment: Environment, source: Source, templates: Path | None, left_out: frozenset[str] = frozenset()
) -> Iterator[Problem]:
    """Every group a shared folder names exists (the same spelling), at a level that exists. A
    group `left_out` for its own problems is not said to be missing: it is there, and broken."""
    groups = [group.name for group in environment.groups]
    levels = access_levels(templates)
    for j, shared in enumerate(environment.shared_folders):
        for name, level in shared.access.items():
            path = ("shared_folders", j, "access", name)
            if name in left_out:
                continue
            if name not in groups:
                reason = f"{name!r} is not a group of this environment{did_you_mean(name, groups)}"
                yield source.problem(path, reason)
            elif level not in levels:
                known = ", ".join(levels)
                reason = f"unknown access level {level!r}{did_you_mean(level, levels)}; known levels: {known}"
                yield source.problem(path, reason)


def private_folder_clash(environment: Environment, source: Source) -> Iterator[Problem]:
    if not environment.private_folders:
        return
    for index, group in enumerate(environment.groups):
        for position, folder in enumerate(group.folders):
            if folder.lower().startswith("private/"):
                reason = f"{folder!r} is inside private/, which holds every user's own folder"
                yield _group_problem(source, index, ("prefixes", position), reason)


def private_only_needs_private_folders(environment: Environment, source: Source) -> Iterator[Problem]:
    if environment.identity_pool.users_without_group == "private_only" and not environment.private_folders:
        reason = "private_only gives users without a group their private folder; set private_folders: true"
        yield source.problem(("identity_pool", "users_without_group"), reason)


def tag_rules(environment: Environment, source: Source) -> Iterator[Problem]:
    """After the model: a tag holding `${` has had its own, clearer message from loading."""
    for key, value in environment.tags.items():
        if (reason := tag_problem(key, value)) is not None:
            # A key IAM refuses could hold a line break: the reason quotes it, the path does not.
            path = ("tags", key) if reason.startswith("value") else ("tags",)
            yield source.problem(path, reason)


def pool_in_region(environment: Environment, source: Source) -> Iterator[Problem]:
    existing = environment.user_pool.existing_id
    if existing is not None and not existing.startswith(f"{environment.region}_"):
        reason = f"{existing!r} is a pool of another region than {environment.region}"
        yield source.problem(("user_pool", "existing_id"), reason)
    identities = environment.identity_pool.existing_id
    if identities is not None and not identities.startswith(f"{environment.region}:"):
        reason = f"{identities!r} is an identity pool of another region than {environment.region}"
        yield source.problem(("identity_pool", "existing_id"), reason)


def adoption_needs_existing_pool(environment: Environment, source: Source) -> Iterator[Problem]:
    """A group is adopted from an existing pool; a pool created here has no groups to adopt."""
    if environment.user_pool.existing_id is not None:
        return
    for index, group in enumerate(environment.groups):
        if group.adopt is not None:
            reason = (
                "adopt says whether a group of an existing pool is imported; this environment creates "
                "its pool (user_pool.name), so every group is created: drop adopt"
            )
            yield _group_problem(source, index, "adopt", reason)


def accounts_of_arns(environment: Environment, source: Source) -> Iterator[Problem]:
    """With account_id, the deploy role, the exempt principals and the bucket's key are of that account."""
    account = environment.account_id
    if account is None:
        return
    role = environment.deploy_role_arn
    if role is not None and arn_account(role) != account:
        reason = (
            f"deploy_role_arn {role!r} is a role of account {arn_account(role)}, "
            f"not of account_id {account}: the provider would assume it and allowed_account_ids "
            "would then refuse every plan"
        )
        yield source.problem(("deploy_role_arn",), reason)
    bucket = environment.bucket
    for index, principal in enumerate(bucket.exempt_principals):
        if arn_account(principal) != account:
            reason = (
                f"exempt principal {principal!r} is of account {arn_account(principal)}, not of account_id "
                f"{account}: the folder guard only exempts it from a deny, and a principal of another "
                "account also needs a grant in the bucket policy, which groupfolders does not write"
            )
            yield source.problem(("bucket", "exempt_principals", index), reason)
    if bucket.kms_key_arn is not None and arn_account(bucket.kms_key_arn) != account:
        reason = (
            f"kms_key_arn is a key of account {arn_account(bucket.kms_key_arn)}, "
            f"not of account_id {account}: the group roles' kms:ViaService grants reach a key of "
            "another account only if its key policy "
            "names them, which groupfolders neither writes nor checks; use a key of this account"
        )
        yield source.problem(("bucket", "kms_key_arn"), reason)


def distinct_role_names(environment: Environment, source: Source) -> Iterator[Problem]:
    """IAM compares role names without case; a shortened name could differ from another only so.
    Groups whose names differ only in case are `duplicate_names`' to report."""
    seen = {naming.default_role_name(environment).lower(): ("users without a group", "")}
    for index, group in enumerate(environment.groups):
        name = naming.role_name(environment, group)
        owner, owner_group = seen.setdefault(name.lower(), (f"group {group.name!r}", group.name.lower()))
        if owner_group != group.name.lower():
            reason = f"role name {name!r} is already the role of {owner}; rename the group"
            yield _group_problem(source, index, "name", reason)


def document_sizes(
    environment: Environment, source: Source, templates: Path | None, *, known_levels: bool = True
) -> Iterator[Problem]:
    """The documents the stack will emit, measured with references of realistic size
    (`known_levels`: every group's access level has a template; else only those that fail
    for another reason are reported here)."""
    try:
        documents = environment_documents(environment, placeholder_references(environment), templates)
    except GroupTemplateErrors as error:
        known = access_levels(templates)
        for index, group in enumerate(environment.groups):
            if group.name in error.by_group and group.access in known:
                yield _group_problem(source, index, "access", error.by_group[group.name])
        return
    tags = environment.identity_pool.role_mapping == "tags"
    for index, group in enumerate(environment.groups):
        size = minified_size(documents.group_policies[group.name])
        if size > limits.INLINE_POLICIES and not tags:
            reason = (
                f"the role policy of group {group.name!r} is {size} characters (whitespace not counted); "
                f"{limits.INLINE_POLICIES_TEXT}: give the group fewer prefixes"
                + (" or shared folders" if environment.shared_levels(group.name) else "")
            )
            yield _group_problem(source, index, "prefixes", reason)
    if (
        documents.folders_policy is not None
        and len(principal_tags.all_tag_keys(environment)) <= limits.TAG_MAPPINGS
    ):
        yield from _folders_policy_size(environment, source, minified_size(documents.folders_policy))
    # The folder guard names every group's role twice: it grows with the groups.
    if environment.bucket.folder_guard and documents.bucket_policy is not None:
        size = minified_size(documents.bucket_policy)
        if size > limits.BUCKET_POLICY:
            fewer = -(-(size - limits.BUCKET_POLICY) // limits.GUARD_BYTES_PER_ROLE)
            reason = (
                f"with folder_guard the bucket policy is {size} bytes; {limits.BUCKET_POLICY_TEXT}: "
                f"each group adds {limits.GUARD_BYTES_PER_ROLE} bytes, so leave out {fewer} "
                f"group{'s' * (fewer > 1)}, or use role_mapping tags (one role for every group)"
            )
            yield source.problem(("bucket", "folder_guard"), reason)


def _folders_policy_size(environment: Environment, source: Source, size: int) -> Iterator[Problem]:
    if size > limits.INLINE_POLICIES:
        levels, slots = len(principal_tags.levels(environment)), environment.identity_pool.folders_per_level
        reason = (
            f"the folders role policy is {size} characters (whitespace not counted) for {levels} access "
            f"levels with {slots} folders each; {limits.INLINE_POLICIES_TEXT}: lower folders_per_level"
        )
        yield source.problem(("identity_pool", "folders_per_level"), reason)


def folders_fit_tags(environment: Environment, source: Source) -> Iterator[Problem]:
    """tags: every folder is a session tag value; one group's folders fit the tags of its level."""
    slots = environment.identity_pool.folders_per_level
    if environment.identity_pool.role_mapping != "tags":
        return
    for index, group in enumerate(environment.groups):
        for position, folder in enumerate(group.folders):
            if reason := _tag_value_reason(folder):
                yield _group_problem(source, index, ("prefixes", position), reason)
        if len(group.folders) > slots:
            reason = (
                f"group {group.name!r} has {len(group.folders)} folders, but with role_mapping tags a user "
                f"holds at most {slots} folders of one access level (identity_pool.folders_per_level)"
            )
            yield _group_problem(source, index, "prefixes", reason)
        else:
            yield from _shared_slots(environment, source, index, group)
    for j, shared in enumerate(environment.shared_folders):
        if reason := _tag_value_reason(shared.prefix):
            yield source.problem(("shared_folders", j, "prefix"), reason)


def _shared_slots(environment: Environment, source: Source, index: int, group: Group) -> Iterator[Problem]:
    """A group's own and shared folders of one level together fit that level's tags."""
    slots = environment.identity_pool.folders_per_level
    for level, folders in environment.folders_by_level(group).items():
        if len(folders) > slots:
            reason = (
                f"group {group.name!r} holds {len(folders)} {level} folders with its shared folders, "
                f"but with role_mapping tags a user holds at most {slots} folders of one access level "
                "(identity_pool.folders_per_level)"
            )
            yield _group_problem(source, index, "name", reason)


def folder_guard_tags(environment: Environment, source: Source) -> Iterator[Problem]:
    """folder_guard with a role per group: each role carries its folders as role tags."""
    if not environment.bucket.folder_guard or environment.identity_pool.role_mapping == "tags":
        return
    for index, group in enumerate(environment.groups):
        for position, folder in enumerate(group.folders):
            if reason := _role_tag_reason(folder):
                yield _group_problem(source, index, ("prefixes", position), reason)
    for index, shared in enumerate(environment.shared_folders):
        if reason := _role_tag_reason(shared.prefix):
            yield source.problem(("shared_folders", index, "prefix"), reason)
    room = limits.ROLE_TAGS - len(environment.default_tags)
    for index, group in enumerate(environment.groups):
        if (count := len(guarded_folders(environment, group))) > room:
            reason = (
                f"with folder_guard the role of group {group.name!r} carries its {count} folders "
                f"(shared ones included) as role tags, beside {len(environment.default_tags)} default tags; "
                f"{limits.ROLE_TAGS_TEXT}: give the group at most {room} folders"
            )
            yield _group_problem(source, index, "prefixes", reason)


def _role_tag_reason(folder: str) -> str | None:
    problem = _tag_value_problem(folder)
    if problem is None:
        return None
    return f"{folder!r} {problem}; folder_guard makes it a role tag value: {limits.ROLE_TAG_VALUE_TEXT}"


def _tag_value_reason(folder: str) -> str | None:
    problem = _tag_value_problem(folder)
    if problem is None:
        return None
    return f"{folder!r} {problem}; role_mapping tags makes it a tag value: {limits.TAG_VALUE_TEXT}"


def _tag_value_problem(folder: str) -> str | None:
    refused = sorted({character for character in folder if not principal_tags.TAG_VALUE.fullmatch(character)})
    if refused:
        return f"has {', '.join(map(repr, refused))}"
    return f"is {len(folder)} characters" if len(folder) > limits.TAG_VALUE else None


def level_tag_keys(environment: Environment, source: Source) -> Iterator[Problem]:
    """tags: a level names its tag keys, and IAM compares tag keys without case: `Read.1` would
    also be `read.1`, so two levels that differ only in case would share their folders."""
    if environment.identity_pool.role_mapping != "tags":
        return
    first: dict[str, str] = {}
    for level in principal_tags.levels(environment):
        other = first.setdefault(level.lower(), level)
        if other != level:
            reason = (
                f"access levels {other!r} and {level!r} differ only in case; with role_mapping tags each "
                "names principal tags, which IAM compares without case: rename one template"
            )
            yield source.problem(("identity_pool", "role_mapping"), reason)


def slot_named_tags(environment: Environment, source: Source) -> Iterator[Problem]:
    """tags: IAM reads `aws:PrincipalTag/K` from the role's tags when the session has no tag K,
    and the provider's default tags land on the folders role. A default tag named like a slot
    (without case: IAM compares tag keys so) would hand its value to every user as a folder.
    `app` and `environment` hold no `.`, so no slot (`<level>.<n>`) can be one of them."""
    if environment.identity_pool.role_mapping != "tags":
        return
    slots = {key.lower(): key for key in principal_tags.all_tag_keys(environment)}
    for key in environment.tags:
        if (slot := slots.get(key.lower())) is not None:
            reason = (
                f"tag {key!r} names the principal tag slot {slot!r} (IAM compares tag keys without case); "
                "with role_mapping tags the default tags land on the folders role, where a slot's tag "
                "would grant its value as a folder: rename the tag"
            )
            yield source.problem(("tags", key), reason)


def tag_mappings(environment: Environment, source: Source) -> Iterator[Problem]:
    """tags: the identity pool maps one claim to a principal tag per level and folder slot."""
    if environment.identity_pool.role_mapping != "tags":
        return
    levels, slots = len(principal_tags.levels(environment)), environment.identity_pool.folders_per_level
    if levels * slots > limits.TAG_MAPPINGS:
        reason = (
            f"{levels} access levels with {slots} folders each need {levels * slots} principal tags, "
            f"but {limits.TAG_MAPPINGS_TEXT}: lower folders_per_level"
        )
        yield source.problem(("identity_pool", "folders_per_level"), reason)


def group_counts(environment: Environment, source: Source) -> Iterator[Problem]:
    count = len(environment.groups)
    if environment.identity_pool.role_mapping == "rules" and count > limits.RULES_PER_PROVIDER:
        reason = (
            f"role_mapping rules needs one rule per group: {count} groups, but {limits.RULES_TEXT}; "
            "use role_mapping: token (each group carries its role)"
        )
        yield source.problem(("identity_pool", "role_mapping"), reason)
    if _over_role_quota(environment):
        quota = environment.limits.iam_roles_per_account
        roles = naming.role_count(environment)
        reason = f"{roles} roles (one per group, one for no group); {limits.roles_text(quota)}"
        yield source.problem(("groups",), reason)
    if count > limits.GROUPS_PER_USER_POOL:
        yield source.problem(("groups",), f"{count} groups; {limits.GROUPS_PER_USER_POOL_TEXT}")


def _over_role_quota(environment: Environment) -> bool:
    """tags mode has three roles (folders, folder claims, no group), however many groups."""
    return naming.role_count(environment) > environment.limits.iam_roles_per_account


def distinct_precedence(environment: Environment, source: Source) -> Iterator[Problem]:
    """With equal precedence Cognito sets no cognito:preferred_role for a user in both groups."""
    if environment.identity_pool.allow_equal_precedence:
        return
    first_with: dict[int, Group] = {}
    for index, group in enumerate(environment.groups):
        first = first_with.setdefault(group.precedence, group)
        if first is not group:
            reason = (
                f"{group.precedence} is also the precedence of group {first.name!r}: "
                "a user in both would get no preferred role (Cognito leaves cognito:preferred_role unset); "
                "give each group its own precedence, or set identity_pool.allow_equal_precedence: true"
            )
            yield _group_problem(source, index, "precedence", reason)


def _of_groups(rule: GroupRule) -> Rule:
    def of_environment(environment: Environment, source: Source) -> Iterator[Problem]:
        return rule(environment.groups, source)

    of_environment.__name__ = rule.__name__
    return of_environment


GROUP_RULES: tuple[GroupRule, ...] = (duplicate_names, overlapping_prefixes)
RULES: tuple[Rule, ...] = (
    *map(_of_groups, GROUP_RULES),
    shared_folder_overlaps,
    private_folder_clash,
    private_only_needs_private_folders,
    pool_in_region,
    adoption_needs_existing_pool,
    accounts_of_arns,
    tag_rules,
    distinct_role_names,
    distinct_precedence,
    folders_fit_tags,
    folder_guard_tags,
    level_tag_keys,
    slot_named_tags,
    tag_mappings,
    unlisted_on_own_bucket,
)
