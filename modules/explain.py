"""`explain`: what a member of exactly some groups may do in one environment, and why.

Read from the access model (the same documents that are emitted), per role mapping: `token`
hands out one role (the lowest precedence), `rules` the role of the first matching rule,
`tags` the union of the groups' folders through principal tags.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from modules.access_model import PRIVATE_FOLDER, EnvironmentAccess, FolderGrant, RoleAccess
from modules.config.model import Environment
from modules.errors import ConfigError, Problem, did_you_mean
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
    unknown = [name for name in groups if name not in known]
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
    asked = [access.role(name) for name in dict.fromkeys(groups)]
    roles = sorted(asked, key=lambda role: (role.precedence, str(role.group)))
    if access.role_mapping == "tags":
        return _union(environment, access, roles)
    return _one_role(access, roles)


def _one_role(access: EnvironmentAccess, roles: list[RoleAccess]) -> Explanation:
    first, names = roles[0], ", ".join(f"`{role.group}` ({role.precedence})" for role in roles)
    tied = len(roles) > 1 and roles[1].precedence == first.precedence
    if access.role_mapping == "token":
        reasons = [
            f"Token mapping: the ID token lists the roles of all of {names} in `cognito:roles`; "
            + (
                "two of them share the lowest precedence, so Cognito sets no `cognito:preferred_role`."
                if tied
                else f"`cognito:preferred_role` is that of the lowest precedence, `{first.group}`."
            )
        ]
        received = _ambiguous(access) if tied else first
        others = [role.role_name for role in roles if role is not received]
        if others:
            reasons.append(
                "A client may ask for another of these roles instead (never two at once) with "
                "`CustomRoleArn` in `GetCredentialsForIdentity` (enhanced flow): "
                + ", ".join(f"`{name}`" for name in others)
                + "."
            )
    else:
        order = ", ".join(f"`{role.group}`" for role in access.precedence_order)
        received = first
        reasons = [
            f"Rules mapping: the rules are tried in the order {order}; the first one that matches this "
            f"member is `cognito:groups` Equals `{first.group}`."
        ]
        if len(roles) > 1:
            fallback = "no credentials" if _ambiguous(access) is None else "the role of users in no group"
            reasons.append(
                "AWS does not document whether `Equals` matches a token whose `cognito:groups` holds several "
                f"groups ({names}); if it does not, no rule matches and ambiguous role resolution applies: "
                f"{fallback}. Try a test user in these groups before relying on it."
            )
    if received is None:
        reasons.append("Ambiguous role resolution is Deny: this member gets no credentials.")
    elif received.group is None:
        reasons.append("Ambiguous role resolution hands out the role of users in no group.")
    folders = received.grants if received else ()
    return Explanation(
        environment=access.environment,
        role_mapping=access.role_mapping,
        groups=tuple(str(role.group) for role in roles),
        role=received.role_name if received else None,
        folders=folders,
        out_of_reach=_out_of_reach(roles, folders),
        tags=(),
        reasons=tuple(reasons),
    )


def _ambiguous(access: EnvironmentAccess) -> RoleAccess | None:
    return access.no_group if access.ambiguous_role_resolution == "AuthenticatedRole" else None


def _union(environment: Environment, access: EnvironmentAccess, roles: list[RoleAccess]) -> Explanation:
    """What the pre-token Lambda issues: each level's folders, one tag each, or none at all."""
    grants = principal_tags.lambda_data(environment)
    by_level: dict[str, set[str]] = {}
    for role in roles:
        for level, folders in grants["groups"][role.group].items():
            by_level.setdefault(level, set()).update(folders)
    slots = environment.identity_pool.folders_per_level
    over = {level: len(folders) for level, folders in sorted(by_level.items()) if len(folders) > slots}
    names = ", ".join(f"`{role.group}`" for role in roles)
    reasons = [
        f"Tags mapping: every group carries the one folders role `{roles[0].role_name}`; the pre-token "
        f"Lambda turns the folders of all of {names} into principal tags, one per folder, and the role's "
        "policy grants each tag's level on its folder: the union, each folder with the rights of every "
        "level granting it."
    ]
    if over:
        counts = ", ".join(f"{count} {level} folders" for level, count in over.items())
        reasons.append(
            f"Together these groups grant {counts}, but a user holds at most {slots} folders of one "
            "level (identity_pool.folders_per_level): the Lambda fails closed, issues no folder tag at all "
            "and logs why. Only the private folder remains."
        )
        folders = tuple(grant for grant in roles[0].grants if grant.prefix == PRIVATE_FOLDER)
        tags: tuple[tuple[str, str], ...] = ()
    else:
        folders = _merged(roles)
        tags = tuple(
            pair
            for level, found in sorted(by_level.items())
            for pair in zip(principal_tags.tag_keys(environment, level), sorted(found), strict=False)
        )
    return Explanation(
        environment=access.environment,
        role_mapping=access.role_mapping,
        groups=tuple(str(role.group) for role in roles),
        role=roles[0].role_name,
        folders=folders,
        out_of_reach=_out_of_reach(roles, folders),
        tags=tags,
        reasons=tuple(reasons),
    )


def _merged(roles: list[RoleAccess]) -> tuple[FolderGrant, ...]:
    """Each folder once, with the actions of every role that grants it (first-seen order, the
    private folder last, as in one role)."""
    actions: dict[str, set[str]] = {}
    for role in roles:
        for grant in role.grants:
            actions.setdefault(grant.prefix, set()).update(grant.actions)
    ordered = sorted(actions.items(), key=lambda item: item[0] == PRIVATE_FOLDER)
    return tuple(FolderGrant(prefix, tuple(sorted(found))) for prefix, found in ordered)


def _out_of_reach(roles: list[RoleAccess], folders: tuple[FolderGrant, ...]) -> tuple[tuple[str, str], ...]:
    """(folder, the first group granting it) for each folder of these groups not reached."""
    reached = {grant.prefix for grant in folders}
    unreached: dict[str, str] = {}
    for role in roles:
        for grant in role.grants:
            if grant.prefix not in reached:
                unreached.setdefault(grant.prefix, str(role.group))
    return tuple(unreached.items())


def explanation_markdown(found: Explanation) -> str:
    names = [f"`{name}`" for name in found.groups]
    groups = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    lines = [f"# `{found.environment}`: a member of {groups}", ""]
    lines.append(
        f"Role mapping `{found.role_mapping}`: "
        + (f"credentials of the role `{found.role}`." if found.role else "no credentials.")
    )
    lines.append("")
    if found.folders:
        lines.append(f"| folder | {' | '.join(CAPABILITY_NAMES)} |")
        lines.append("|---|" + ":-:|" * len(CAPABILITY_NAMES))
        for grant in found.folders:
            marks = " | ".join("✓" if c in grant.capabilities else "·" for c in CAPABILITY_NAMES)
            lines.append(f"| `{grant.prefix}` | {marks} |")
        lines.append("")
    lines.append("Why:")
    lines.extend(f"- {reason}" for reason in found.reasons)
    if found.tags:
        lines.append(f"- Principal tags: {', '.join(f'`{key}` = `{folder}`' for key, folder in found.tags)}.")
    if found.out_of_reach:
        unreached = ", ".join(f"`{folder}` (of `{group}`)" for folder, group in found.out_of_reach)
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
