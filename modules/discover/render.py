"""What `discover` read, as an environment YAML that adopts it; every doubt a comment.

Every value from AWS is written as a JSON string (valid YAML, escapes included), in
comments too, so that no name or description can add a line of its own. Groups, folders and
clients are sorted: the same estate gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from modules.config.model import KMS_KEY_ARN, SAFE_NAME
from modules.discover.levels import Bucket, Inference, infer_level
from modules.discover.read import Estate, PoolGroup
from modules.policies.documents import PRIVATE_PREFIX

# The first line; discover replaces only a file that still starts with it.
HEADER = "# Written by groupfolders discover; delete this line once you edit the file (discover keeps it)."
DEFAULT_APP = "groupfolders"
PRECEDENCE_STEP = 10
ROLE_MAPPINGS = {"Token": "token", "Rules": "rules"}


@dataclass(frozen=True)
class GroupEntry:
    group: PoolGroup
    precedence: int
    inference: Inference | None  # None: the group has no role


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def discovered_yaml(estate: Estate, templates: Path, app: str = DEFAULT_APP) -> str:
    return "".join(f"{line}\n" for line in _lines(estate, templates, app))


def _lines(estate: Estate, templates: Path, app: str) -> Iterator[str]:
    identity = estate.identity_pool
    yield HEADER
    read = f"user pool {_text(estate.user_pool_id)}, bucket {_text(estate.bucket)}"
    if identity is not None:
        read += f", identity pool {_text(identity.identity_pool_id)}"
    yield f"# Read from {read} in {estate.region}."
    yield "# Review every comment, run `groupfolders validate`, then a plan: it imports each group"
    yield "# (adopt_groups) before it changes anything."
    yield f"app: {app}  # the prefix of the roles and pools groupfolders creates: <app>-<env>-<group>"
    yield f"region: {estate.region}"
    yield from _user_pool(estate)
    yield from _identity_pool(estate)
    yield from _bucket(estate)
    entries, unsafe = _entries(estate, templates)
    matched = [entry.inference for entry in entries if entry.inference and entry.inference.matched]
    if matched and not any(inference.private_folder for inference in matched):
        yield "private_folders: false  # no group role grants the caller's private folder"
    yield "groups:"
    for entry in entries:
        yield from _group(estate, entry)
    yield from _leftovers(estate, entries, unsafe)


def _user_pool(estate: Estate) -> Iterator[str]:
    identity = estate.identity_pool
    trusted = [c for c in estate.client_ids if identity is None or c in identity.client_ids]
    client = (trusted or list(estate.client_ids))[0]
    yield "user_pool:"
    yield f"  existing_id: {_text(estate.user_pool_id)}"
    if len(estate.client_ids) > 1:
        yield f"  # the pool's app clients: {', '.join(map(_text, estate.client_ids))}; give your app's"
    yield f"  existing_client_id: {_text(client)}"
    yield "  adopt_groups: true  # import each group below: it exists in the pool"


def _identity_pool(estate: Estate) -> Iterator[str]:
    identity = estate.identity_pool
    if identity is None:
        return
    yield "identity_pool:"
    yield f"  existing_id: {_text(identity.identity_pool_id)}"
    if identity.mapping_type in ROLE_MAPPINGS:
        yield f"  role_mapping: {ROLE_MAPPINGS[identity.mapping_type]}"
    else:
        yield "  # no role mapping for this user pool was found: token, the default, is written"
        yield "  role_mapping: token"
    private_only = identity.ambiguous_role_resolution == "AuthenticatedRole"
    yield f"  users_without_group: {'private_only' if private_only else 'deny'}"


def _bucket(estate: Estate) -> Iterator[str]:
    yield "bucket:"
    yield f"  existing: {_text(estate.bucket)}"
    yield f"  versioned: {'true' if estate.versioned else 'false'}"
    key = estate.kms_key_id
    if key is not None and KMS_KEY_ARN.fullmatch(key):
        yield f"  kms_key_arn: {_text(key)}"
    elif key is not None:
        yield f"  # default encryption: KMS key {_text(key)}; give its ARN as kms_key_arn if it is yours"


def _entries(estate: Estate, templates: Path) -> tuple[list[GroupEntry], list[PoolGroup]]:
    safe = [g for g in estate.groups if SAFE_NAME.fullmatch(g.name)]
    unsafe = [g for g in estate.groups if not SAFE_NAME.fullmatch(g.name)]
    given = [g.precedence for g in safe if g.precedence is not None]
    after = max(given, default=0) + PRECEDENCE_STEP
    bucket = Bucket(f"arn:aws:s3:::{estate.bucket}", estate.versioned, estate.region, _key_arn(estate))
    entries = []
    for group in safe:
        precedence = group.precedence
        if precedence is None:
            precedence, after = after, after + PRECEDENCE_STEP
        inference = None
        if group.role_arn is not None:
            policy = estate.policy(group.role_arn)
            if policy.error is None:
                inference = infer_level(group.name, policy.statements, bucket, templates)
        entries.append(GroupEntry(group, precedence, inference))
    return entries, unsafe


def _key_arn(estate: Estate) -> str | None:
    key = estate.kms_key_id
    return key if key is not None and KMS_KEY_ARN.fullmatch(key) else None


def _group(estate: Estate, entry: GroupEntry) -> Iterator[str]:
    group = entry.group
    yield from (f"  # {line}" for line in _group_notes(estate, entry))
    yield f"  - name: {group.name}"
    if group.description:
        yield f"    description: {_text(group.description)}"
    yield f"    access: {entry.inference.level if entry.inference else 'list'}"
    yield f"    precedence: {entry.precedence}"


def _group_notes(estate: Estate, entry: GroupEntry) -> Iterator[str]:
    group, inference = entry.group, entry.inference
    if group.role_arn is None:
        yield f"{group.name}: the group has no role; access list, the safest level"
    elif inference is None:
        error = estate.policy(group.role_arn).error
        yield f"{group.name}: role {_text(group.role_arn)}: {error}; access list, the safest level"
    elif inference.matched:
        yield f"{group.name}: role {_text(group.role_arn)}: {inference.reason}"
    else:
        yield f"{group.name}: role {_text(group.role_arn)}: {inference.reason}; access list, the safest level"
    if group.precedence is None:
        yield f"{group.name}: the group has no precedence; {entry.precedence} is written (lower wins)"
    if f"{group.name}/" not in estate.folders:
        yield f"{group.name}: the bucket has no folder {_text(group.name + '/')} yet"


def _leftovers(estate: Estate, entries: list[GroupEntry], unsafe: list[PoolGroup]) -> Iterator[str]:
    names = {f"{entry.group.name}/" for entry in entries}
    private = PRIVATE_PREFIX.split("/", 1)[0] + "/"
    lonely = [folder for folder in estate.folders if folder not in names and folder != private]
    if lonely:
        yield f"# Folders without a group (no role groupfolders creates reaches them): {_listed(lonely)}"
    missing = [entry.group.name for entry in entries if f"{entry.group.name}/" not in estate.folders]
    if missing:
        yield f"# Groups without a folder of their name: {_listed(missing)}"
    if unsafe:
        yield (
            "# Groups left out, their names outside letters, digits, '-', '_', '.' (groupfolders' "
            f"safe names): {_listed([g.name for g in unsafe])}"
        )


def _listed(values: list[str]) -> str:
    return ", ".join(_text(value) for value in values)
