"""`tags` mode: one folders role, and each user's folders carried in principal tags.

A tag key names an access level and a slot (`read.1` .. `read.K`, K = folders_per_level);
its value is one folder, or UNUSED_SLOT. The pre-token Lambda puts a user's folders into
ID-token claims of the same names, every slot claimed; the identity pool maps those claims
to principal tags, and the folders role's policy has, per level in use and per slot, the
level's statements for the folder `${aws:PrincipalTag/<key>}`. The policy's size depends
on levels and slots, never on groups.
"""

from __future__ import annotations

import re
from typing import Any

from modules.config.model import Environment

# STS Tag value pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]*, narrowed to ASCII like our folder names.
TAG_VALUE = re.compile(r"[A-Za-z0-9 _.:/=+\-@]*")
# A condition value that only a non-empty folder matches: IAM would otherwise expand an
# empty tag in `BUCKET/${aws:PrincipalTag/k}*` to the whole bucket.
NON_EMPTY_FOLDER = "?*/"
# The value of a slot that holds no folder. Every session carries every slot, because IAM
# reads aws:PrincipalTag/K from the role's tags when the session has no tag K (keys compared
# without case). A session tag value that does not end in "/" never matches NON_EMPTY_FOLDER.
UNUSED_SLOT = "none"
# Reserved whatever private_folders says: an unlisted group `private` would otherwise own the
# folder that holds, or once held, every user's own folder.
PRIVATE = "private/"


def levels(environment: Environment) -> tuple[str, ...]:
    """The access levels that some group uses, each with its own tag slots."""
    shared = {level for folder in environment.shared_folders for level in folder.access.values()}
    unlisted = environment.identity_pool.unlisted_groups
    own = {group.access for group in environment.groups} | ({unlisted.access} if unlisted else set())
    return tuple(sorted(own | shared))


def tag_keys(environment: Environment, level: str) -> tuple[str, ...]:
    count = environment.identity_pool.folders_per_level
    return tuple(f"{level}.{slot}" for slot in range(1, count + 1))


def tag_slots(environment: Environment) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each level in use with its tag keys: what the folders policy is built from."""
    return tuple((level, tag_keys(environment, level)) for level in levels(environment))


def all_tag_keys(environment: Environment) -> tuple[str, ...]:
    """Every principal tag the identity pool maps, each from the ID-token claim of its name."""
    return tuple(key for level in levels(environment) for key in tag_keys(environment, level))


def tag_variable(key: str) -> str:
    return "${aws:PrincipalTag/" + key + "}"


def lambda_data(environment: Environment) -> dict[str, Any]:
    """What the pre-token Lambda reads: each level's claim names, each group's folders (its own
    and its shared ones) per level, the value of a slot that holds no folder and, with
    unlisted_groups, what the Lambda needs to decide an unlisted group (`unlisted_data`)."""
    unlisted = unlisted_data(environment)
    return {
        **({"unlisted": unlisted} if unlisted else {}),
        "unused": UNUSED_SLOT,
        "slots": {level: list(tag_keys(environment, level)) for level in levels(environment)},
        "groups": {
            group.name: {
                level: list(folders) for level, folders in environment.folders_by_level(group).items()
            }
            for group in environment.groups_by_name
        },
    }


def reserved_folders(environment: Environment) -> tuple[str, ...]:
    """Every folder the configuration gives out, and private/: no unlisted group's folder may
    equal, contain, lie in or differ only in case from one of them."""
    configured = [folder for group in environment.groups for folder in group.folders]
    configured += [shared.prefix for shared in environment.shared_folders]
    return tuple(sorted({*configured, PRIVATE}))


def unlisted_data(environment: Environment) -> dict[str, Any] | None:
    """The unlisted groups' level, the listed groups' names (lowercased: an unlisted group may not
    differ from one only in case) and the reserved folders; None without unlisted_groups."""
    unlisted = environment.identity_pool.unlisted_groups
    if unlisted is None:
        return None
    return {
        "access": unlisted.access,
        "listed": sorted({group.name.lower() for group in environment.groups}),
        "reserved": list(reserved_folders(environment)),
    }
