"""Everything checked before a construct exists: models, then rules across groups and policies."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import combinations
from pathlib import Path

from modules import limits, naming
from modules.config.load import environment_files, load_environment
from modules.config.model import Environment, Group
from modules.config.yaml_source import Source
from modules.errors import ConfigError, Problem
from modules.policies import principal_tags
from modules.policies.documents import minified_size
from modules.policies.environment_documents import GroupTemplateErrors, environment_documents
from modules.policies.references import placeholder_references

Rule = Callable[[Environment, Source], Iterator[Problem]]


def load_valid_environments(directory: Path, names: Sequence[str] = ()) -> tuple[Environment, ...]:
    """Every requested environment, valid; or one ConfigError listing all problems of all files."""
    environments: list[Environment] = []
    problems: list[Problem] = []
    for path in environment_files(directory, names):
        try:
            environment, source = load_environment(path)
        except ConfigError as error:
            problems.extend(error.problems)
            continue
        found = [problem for rule in RULES for problem in rule(environment, source)]
        problems.extend(found)
        if not found:
            environments.append(environment)
    if problems:
        raise ConfigError(problems)
    return tuple(environments)


def _group_problem(source: Source, index: int, field: str, reason: str) -> Problem:
    path = f"groups[{index}].{field}"
    return Problem(source.origin_of(("groups", index, field)), path, reason)


def _pairs(environment: Environment) -> Iterator[tuple[tuple[int, Group], tuple[int, Group]]]:
    return combinations(enumerate(environment.groups), 2)


def duplicate_names(environment: Environment, source: Source) -> Iterator[Problem]:
    for (_, first), (index, second) in _pairs(environment):
        if first.name.lower() == second.name.lower():
            reason = f"{second.name!r} repeats group {first.name!r}; group names are compared without case"
            yield _group_problem(source, index, "name", reason)
        elif shared := sorted(naming.block_names(first.name) & naming.block_names(second.name)):
            reason = (
                f"{second.name!r} and {first.name!r} would share the Terraform name {shared[0]}; rename one"
            )
            yield _group_problem(source, index, "name", reason)


def overlapping_prefixes(environment: Environment, source: Source) -> Iterator[Problem]:
    """No folder may contain another, nor differ from it only in case."""
    folders = [
        (index, position, group, folder)
        for index, group in enumerate(environment.groups)
        for position, folder in enumerate(group.folders)
    ]
    for (_, _, first, a), (index, position, second, b) in combinations(folders, 2):
        shorter, longer = sorted((a.lower(), b.lower()), key=len)
        if longer.startswith(shorter):
            owner = "the same group" if first is second else f"group {first.name!r}"
            how = "repeats" if a == b else "differs only in case from" if shorter == longer else "overlaps"
            reason = f"{b!r} {how} {a!r} of {owner}; each folder must belong to exactly one place"
            yield _group_problem(source, index, f"prefixes[{position}]", reason)


def private_folder_clash(environment: Environment, source: Source) -> Iterator[Problem]:
    if not environment.private_folders:
        return
    for index, group in enumerate(environment.groups):
        for position, folder in enumerate(group.folders):
            if folder.lower().startswith("private/"):
                reason = f"{folder!r} is inside private/, which holds every user's own folder"
                yield _group_problem(source, index, f"prefixes[{position}]", reason)


def private_only_needs_private_folders(environment: Environment, source: Source) -> Iterator[Problem]:
    if environment.identity_pool.users_without_group == "private_only" and not environment.private_folders:
        reason = "private_only gives users without a group their private folder; set private_folders: true"
        path = ("identity_pool", "users_without_group")
        yield Problem(source.origin_of(path), "identity_pool.users_without_group", reason)


def pool_in_region(environment: Environment, source: Source) -> Iterator[Problem]:
    existing = environment.user_pool.existing_id
    if existing is not None and not existing.startswith(f"{environment.region}_"):
        path = ("user_pool", "existing_id")
        reason = f"{existing!r} is a pool of another region than {environment.region}"
        yield Problem(source.origin_of(path), "user_pool.existing_id", reason)


def distinct_role_names(environment: Environment, source: Source) -> Iterator[Problem]:
    seen = {naming.default_role_name(environment): "users without a group"}
    for index, group in enumerate(environment.groups):
        name = naming.role_name(environment, group)
        if name in seen:
            reason = f"role name {name!r} is already the role of {seen[name]}; rename the group"
            yield _group_problem(source, index, "name", reason)
        seen.setdefault(name, f"group {group.name!r}")


def document_sizes(environment: Environment, source: Source) -> Iterator[Problem]:
    """The documents the stack will emit, measured with references of realistic size."""
    try:
        documents = environment_documents(environment, placeholder_references(environment))
    except GroupTemplateErrors as error:
        for index, group in enumerate(environment.groups):
            if group.name in error.by_group:
                yield _group_problem(source, index, "access", error.by_group[group.name])
        return
    tags = environment.identity_pool.role_mapping == "tags"
    for index, group in enumerate(environment.groups):
        size = minified_size(documents.group_policies[group.name])
        if size > limits.INLINE_POLICIES and not tags:
            reason = (
                f"the role policy of group {group.name!r} is {size} characters (whitespace not counted); "
                f"{limits.INLINE_POLICIES_TEXT}: give the group fewer prefixes"
            )
            yield _group_problem(source, index, "prefixes", reason)
    if (
        documents.folders_policy is not None
        and len(principal_tags.all_tag_keys(environment)) <= limits.TAG_MAPPINGS
    ):
        yield from _folders_policy_size(environment, source, minified_size(documents.folders_policy))
    # The folder guard lists every group's role under its folders: it grows with the groups.
    if environment.bucket.folder_guard and documents.bucket_policy is not None:
        size = minified_size(documents.bucket_policy)
        if size > limits.BUCKET_POLICY:
            reason = f"with folder_guard the bucket policy is {size} bytes; {limits.BUCKET_POLICY_TEXT}"
            yield Problem(source.origin_of(("bucket", "folder_guard")), "bucket.folder_guard", reason)


def _folders_policy_size(environment: Environment, source: Source, size: int) -> Iterator[Problem]:
    if size > limits.INLINE_POLICIES:
        levels, slots = len(principal_tags.levels(environment)), environment.identity_pool.folders_per_level
        reason = (
            f"the folders role policy is {size} characters (whitespace not counted) for {levels} access "
            f"levels with {slots} folders each; {limits.INLINE_POLICIES_TEXT}: lower folders_per_level"
        )
        yield Problem(
            source.origin_of(("identity_pool", "folders_per_level")),
            "identity_pool.folders_per_level",
            reason,
        )


def folders_fit_tags(environment: Environment, source: Source) -> Iterator[Problem]:
    """tags: every folder is a session tag value; one group's folders fit the tags of its level."""
    slots = environment.identity_pool.folders_per_level
    if environment.identity_pool.role_mapping != "tags":
        return
    for index, group in enumerate(environment.groups):
        for position, folder in enumerate(group.folders):
            problem = _tag_value_problem(folder)
            if problem:
                reason = (
                    f"{folder!r} {problem}; role_mapping tags makes it a tag value: {limits.TAG_VALUE_TEXT}"
                )
                yield _group_problem(source, index, f"prefixes[{position}]", reason)
        if len(group.folders) > slots:
            reason = (
                f"group {group.name!r} has {len(group.folders)} folders, but with role_mapping tags a user "
                f"holds at most {slots} folders of one access level (identity_pool.folders_per_level)"
            )
            yield _group_problem(source, index, "prefixes", reason)


def _tag_value_problem(folder: str) -> str | None:
    refused = sorted({character for character in folder if not principal_tags.TAG_VALUE.fullmatch(character)})
    if refused:
        return f"has {', '.join(map(repr, refused))}"
    return f"is {len(folder)} characters" if len(folder) > limits.TAG_VALUE else None


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
        yield Problem(
            source.origin_of(("identity_pool", "folders_per_level")),
            "identity_pool.folders_per_level",
            reason,
        )


def group_counts(environment: Environment, source: Source) -> Iterator[Problem]:
    count = len(environment.groups)
    where = source.origin_of(("groups",))
    if environment.identity_pool.role_mapping == "rules" and count > limits.RULES_PER_PROVIDER:
        reason = (
            f"role_mapping rules needs one rule per group: {count} groups, but {limits.RULES_TEXT}; "
            "use role_mapping: token (each group carries its role)"
        )
        yield Problem(
            source.origin_of(("identity_pool", "role_mapping")), "identity_pool.role_mapping", reason
        )
    # Cognito's 10,000 groups per pool is never reached: the role quota below is lower.
    # tags mode has two roles (folders, no group), however many groups.
    if count + 1 > limits.ROLES_PER_ACCOUNT and environment.identity_pool.role_mapping != "tags":
        yield Problem(
            where, "groups", f"{count + 1} roles (one per group, one for no group); {limits.ROLES_TEXT}"
        )


def distinct_precedence(environment: Environment, source: Source) -> Iterator[Problem]:
    """With equal precedence Cognito sets no cognito:preferred_role for a user in both groups."""
    if environment.identity_pool.allow_equal_precedence:
        return
    for (_, first), (index, second) in _pairs(environment):
        if first.precedence == second.precedence:
            reason = (
                f"{second.precedence} is also the precedence of group {first.name!r}: "
                "a user in both would get no preferred role (Cognito leaves cognito:preferred_role unset); "
                "give each group its own precedence, or set identity_pool.allow_equal_precedence: true"
            )
            yield _group_problem(source, index, "precedence", reason)


RULES: tuple[Rule, ...] = (
    duplicate_names,
    overlapping_prefixes,
    private_folder_clash,
    private_only_needs_private_folders,
    pool_in_region,
    distinct_role_names,
    distinct_precedence,
    folders_fit_tags,
    tag_mappings,
    document_sizes,
    group_counts,
)
