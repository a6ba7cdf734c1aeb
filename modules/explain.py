"""`explain`: what a member of exactly some groups may do in one environment, and why.

Read from the access model (the same documents that are emitted), per role mapping: `token`
hands out one role (the lowest precedence), `rules` the role of the first matching rule,
`tags` the union of the groups' folders through principal tags.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from modules.access_model import EnvironmentAccess, FolderGrant, Received, RoleAccess, received
from modules.config.model import Environment
from modules.errors import ConfigError, Problem, did_you_mean
from modules.markdown import code
from modules.policies import principal_tags
from modules.policies.actions import CAPABILITY_NAMES


@dataclass(frozen=True)
class Explanation:
    environment: str
    role_mapping: str
    groups: tuple[str, ...]  # as the identity pool orders them: by precedence, then name
    role: str | None  # the IAM role the member receives; None: no credentials
    folders: tuple[FolderGrant, ...]  # what that role lets this member do
    out_of_reach: tuple[tuple[str, str], ...]  # (folder, group) a group grants but this member lacks
    tags: tuple[tuple[str, str], ...]  # tags mode: the principal tags (key, folder) the Lambda issues
    reasons: tuple[str, ...]  # why, in sentences


def explain(environment: Environment, access: EnvironmentAccess, groups: Sequence[str]) -> Explanation:
    """ConfigError (exit 2) for a group the environment does not have."""
    known = [role.group for role in access.roles if role.group]
    # With unlisted_groups every name is a possible group of the pool: the rule answers for it.
    unknown = [name for name in groups if name not in known and access.unlisted is None]
    if unknown or not groups:
        raise ConfigError(
            [
                Problem(
                    "--groups",
                    "",
                    f"{name!r} is not a group of {access.environment}{did_you_mean(name, known)}",
                )
                for name in unknown
            ]
            or [Problem("--groups", "", "name at least one group, e.g. --groups finance,analysts")]
        )
    found = received(access, groups)
    explained = (
        _union(environment, access, found) if access.role_mapping == "tags" else _one_role(access, found)
    )
    adoption = _adoption(environment, found)
    return replace(explained, reasons=(*explained.reasons, *adoption)) if adoption else explained


def _adoption(environment: Environment, found: Received) -> list[str]:
    """What taking over existing groups or an existing identity pool means for this member."""
    reasons = []
    adopted = [f"`{role.group}`" for role in found.roles if role.adopted]
    if adopted:
        reasons.append(
            f"Adopted groups {', '.join(adopted)}: each already exists in the user pool and is imported, "
            "members and all: whoever is in it now receives this at the first apply, without being added."
        )
    existing = environment.identity_pool.existing_id
    if existing is not None:
        reasons.append(
            f"The identity pool `{existing}` is adopted. A pool has one roles attachment, and it is now "
            "this environment's: every app that already signs in through the pool gets these roles, its "
            "former roles and rules are replaced, guests are refused and identity providers other than "
            "this user pool's app client are removed."
        )
    return reasons


def _one_role(access: EnvironmentAccess, found: Received) -> Explanation:
    roles, first = found.roles, found.roles[0]
    names = ", ".join(f"{code(str(role.group))} ({role.precedence})" for role in roles)
    tied = first is not found.role
    if access.role_mapping == "token":
        reasons = [
            f"Token mapping: the ID token lists the roles of all of {names} in `cognito:roles`; "
            + (
                "two of them share the lowest precedence, so Cognito sets no `cognito:preferred_role`."
                if tied
                else f"`cognito:preferred_role` is that of the lowest precedence, {code(str(first.group))}."
            )
        ]
        others = [role.role_name for role in roles if role is not found.role]
        if others:
            reasons.append(
                "A client may ask for another of these roles instead (never two at once) with "
                "`CustomRoleArn` in `GetCredentialsForIdentity` (enhanced flow): "
                + ", ".join(code(name) for name in others)
                + "."
            )
    else:
        order = ", ".join(code(str(role.group)) for role in access.precedence_order)
        reasons = [
            f"Rules mapping: the rules are tried in the order {order}; the first one that matches this "
            f"member is `cognito:groups` Equals {code(str(first.group))}."
        ]
        if len(roles) > 1:
            ambiguous = access.ambiguous_role_resolution == "AuthenticatedRole"
            fallback = "the role of users in no group" if ambiguous else "no credentials"
            reasons.append(
                "AWS does not document whether `Equals` matches a token whose `cognito:groups` holds several "
                f"groups ({names}); if it does not, no rule matches and ambiguous role resolution applies: "
                f"{fallback}. Try a test user in these groups before relying on it."
            )
    if found.role is None:
        reasons.append("Ambiguous role resolution is Deny: this member gets no credentials.")
    elif found.role.group is None:
        reasons.append("Ambiguous role resolution hands out the role of users in no group.")
    return _explanation(access, found, (), reasons)


def _explanation(
    access: EnvironmentAccess, found: Received, tags: tuple[tuple[str, str], ...], reasons: list[str]
) -> Explanation:
    return Explanation(
        environment=access.environment,
        role_mapping=access.role_mapping,
        groups=tuple(str(role.group) for role in found.roles),
        role=found.role.role_name if found.role else None,
        folders=found.folders,
        out_of_reach=_out_of_reach(found.roles, found.folders),
        tags=tags,
        reasons=tuple(reasons),
    )


def _union(environment: Environment, access: EnvironmentAccess, found: Received) -> Explanation:
    """What the pre-token Lambda issues: each level's folders, one tag each, or none at all."""
    names = ", ".join(code(str(role.group)) for role in found.roles)
    reasons = [
        f"Tags mapping: every group carries the one folders role {code(found.roles[0].role_name)}; the "
        "pre-token "
        f"Lambda turns the folders of all of {names} into principal tags, one per folder, and the role's "
        "policy grants each tag's level on its folder: the union, each folder with the rights of every "
        "level granting it."
    ]
    reasons += _unlisted_reasons(access, found)
    if found.overflow:
        counts = ", ".join(f"{count} {code(level)} folders" for level, count in found.overflow)
        reasons.append(
            f"Together these groups grant {counts}, but a user holds at most "
            f"{access.folders_per_level} folders of one level (identity_pool.folders_per_level): the Lambda "
            "fails closed, issues no folder tag at all and logs why. Only the private folder remains."
        )
        return _explanation(access, found, (), reasons)
    tags = tuple(
        pair
        for level, folders in found.by_level
        for pair in zip(principal_tags.tag_keys(environment, level), folders, strict=False)
    )
    return _explanation(access, found, tags, reasons)


def _unlisted_reasons(access: EnvironmentAccess, found: Received) -> list[str]:
    """For each group the configuration does not list, what the Lambda's rule gives it."""
    unlisted = access.unlisted
    if unlisted is None:
        return []
    reasons = [
        f"Any other group of the pool: {code('<name>/')} at {code(unlisted.level)}, unless the Lambda's rule "
        "refuses the name (see the report); such a group must carry the folders role (its IAM role, "
        "`create-group --role-arn`), else a member of no other group gets what users in no group get."
    ]
    for role in found.roles:
        name = str(role.group)
        if access.listed(name):
            continue
        refusal = unlisted.refusal(name)
        rule = f"{code(name)} is not in the configuration; the rule for any other group of the pool"
        if refusal is None:
            reasons.append(f"{rule} gives it {code(name + '/')} at {code(unlisted.level)}.")
        else:
            reasons.append(f"{rule} refuses it (and the Lambda logs why): {code(refusal)}.")
    return reasons


def _out_of_reach(
    roles: Sequence[RoleAccess], folders: tuple[FolderGrant, ...]
) -> tuple[tuple[str, str], ...]:
    """(folder, the first group granting it) for each folder of these groups not reached."""
    reached = {grant.prefix for grant in folders}
    unreached: dict[str, str] = {}
    for role in roles:
        for grant in role.grants:
            if grant.prefix not in reached:
                unreached.setdefault(grant.prefix, str(role.group))
    return tuple(unreached.items())


def explanation_markdown(found: Explanation) -> str:
    names = [code(name) for name in found.groups]
    groups = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    lines = [f"# {code(found.environment)}: a member of {groups}", ""]
    lines.append(
        f"Role mapping `{found.role_mapping}`: "
        + (f"credentials of the role {code(found.role)}." if found.role else "no credentials.")
    )
    lines.append("")
    if found.folders:
        lines.append(f"| folder | {' | '.join(CAPABILITY_NAMES)} |")
        lines.append("|---|" + ":-:|" * len(CAPABILITY_NAMES))
        for grant in found.folders:
            marks = " | ".join("✓" if c in grant.capabilities else "·" for c in CAPABILITY_NAMES)
            lines.append(f"| {code(grant.prefix)} | {marks} |")
        lines.append("")
    lines.append("Why:")
    lines.extend(f"- {reason}" for reason in found.reasons)
    if found.tags:
        tags = ", ".join(f"{code(key)} = {code(folder)}" for key, folder in found.tags)
        lines.append(f"- Principal tags: {tags}.")
    if found.out_of_reach:
        unreached = ", ".join(f"{code(folder)} (of {code(group)})" for folder, group in found.out_of_reach)
        lines.append(f"- Out of reach with these credentials: {unreached}.")
    return "\n".join(lines) + "\n"


def explanation_json(found: Explanation) -> str:
    data = {
        "environment": found.environment,
        "role_mapping": found.role_mapping,
        "groups": list(found.groups),
        "role": found.role,
        "folders": [{"prefix": g.prefix, "capabilities": list(g.capabilities)} for g in found.folders],
        "out_of_reach": [{"prefix": folder, "group": group} for folder, group in found.out_of_reach],
        "principal_tags": dict(found.tags),
        "reasons": list(found.reasons),
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
