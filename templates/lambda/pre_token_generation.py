"""Cognito Pre Token Generation trigger (event version V1_0) of groupfolders' `tags` mode.

For the groups of the signing-in user (request.groupConfiguration.groupsToOverride), add
one ID-token claim per tag slot: the claim's name is a principal tag key naming the access
level and a slot (`read.1`), its value a granted folder or, in a slot left over, the unused
value. The identity pool turns these claims into principal tags; the folders role's policy
grants each level on the folders in its tags. A user in several groups gets the union of
their folders.

Every slot is always claimed: IAM reads `aws:PrincipalTag/K` from the role's own tags when
the session has no tag K, so a slot without a session tag could be filled by a tag on the
role (one added by hand, say). The unused value never satisfies a slot's condition.

Groups the configuration does not list (`unlisted` in grants.json, when the configuration
turns them on): a member of such a group gets the folder `<group name>/` at the configured
level, unless validation would have refused that folder for a listed group; then the group
grants nothing and the reason is logged. What is reserved comes from grants.json (written at
synth), never from the token or the user's attributes.

Fails closed: a user whose folders of one level exceed that level's slots gets the unused
value in every slot (never some of the folders, which could pass for all), and the reason is
logged. Standard library only. grants.json, written next to this file at synth, holds the data.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from pathlib import Path
from typing import Any

GRANTS_FILE = Path(__file__).with_name("grants.json")
# A session tag value (STS), and a folder: non-empty, ending in "/".
FOLDER = re.compile(r"[A-Za-z0-9 _.:/=+\-@]{0,255}/")
# An unlisted group's name: the characters both a prefix and a session tag value allow, but
# lowercase only and no "/": two unlisted groups are never seen together, so only this keeps
# their folders from nesting or differing only in case. A tag value holds 256 characters.
UNLISTED_NAME = re.compile(r"[a-z0-9_.-]{1,255}")

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Cognito hands the event in and takes the same event, with its response filled, back."""
    groups = (event.get("request", {}).get("groupConfiguration") or {}).get("groupsToOverride") or []
    claims = folder_claims(groups, grants(), event.get("userName", "?"))
    event.setdefault("response", {})["claimsOverrideDetails"] = {"claimsToAddOrOverride": claims}
    return event


@functools.cache
def grants() -> dict[str, Any]:
    """Read once per container: `slots` (level → claim names), `groups` (group → level →
    folders), `unused` (the value of a slot that holds no folder) and, with unlisted groups
    turned on, `unlisted` (see unlisted_refusal)."""
    return json.loads(GRANTS_FILE.read_text(encoding="utf-8"))


def folder_claims(groups: list[str], grants: dict[str, Any], user: str) -> dict[str, str]:
    """Every slot's claim: the union of `groups`' folders, the rest unused; all unused when
    they do not fit."""
    unused = {slot: grants["unused"] for slots in grants["slots"].values() for slot in slots}
    by_level: dict[str, set[str]] = {}
    for group in groups:
        for level, folders in _group_folders(group, grants, user).items():
            by_level.setdefault(level, set()).update(folders)
    claims: dict[str, str] = {}
    for level, folders in sorted(by_level.items()):
        slots = grants["slots"].get(level, [])
        problem = _problem(sorted(folders), len(slots))
        if problem:
            logger.warning("user %s in %s: %s %s; no folder claims", user, sorted(groups), level, problem)
            return unused
        claims.update(zip(slots[: len(folders)], sorted(folders), strict=True))
    return {**unused, **claims}


def _group_folders(group: str, grants: dict[str, Any], user: str) -> dict[str, list[str]]:
    """A listed group's folders; an unlisted one's `<name>/` when the rule allows it."""
    if group in grants["groups"]:
        return grants["groups"][group]
    unlisted = grants.get("unlisted")
    if unlisted is None:
        return {}
    refusal = unlisted_refusal(group, unlisted)
    if refusal:
        logger.warning("user %s: unlisted group %r gets no folder: %s", user, group, refusal)
        return {}
    return {unlisted["access"]: [f"{group}/"]}


def unlisted_refusal(group: str, unlisted: dict[str, Any]) -> str | None:
    """Why the unlisted group `group` gets no folder `<group>/`, or None. `unlisted`: `access`,
    `listed` (the listed groups' names, lowercased), `reserved` (every configured folder)."""
    if group.lower() in unlisted["listed"]:
        return "its name differs only in case from a group of the configuration"
    if group in (".", "..") or not UNLISTED_NAME.fullmatch(group):
        return "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')"
    folder = f"{group}/"
    for reserved in unlisted["reserved"]:
        if reserved.lower().startswith(folder) or folder.startswith(reserved.lower()):
            return f"{folder!r} overlaps the configured folder {reserved!r}"
    return None


def _problem(folders: list[str], slots: int) -> str | None:
    if len(folders) > slots:
        return f"folders {folders} exceed its {slots} tag slots"
    wrong = [folder for folder in folders if not FOLDER.fullmatch(folder)]
    return f"folders {wrong} are not tag values ending in '/'" if wrong else None
