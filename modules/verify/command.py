"""`groupfolders verify --env E`: expected (access model) against observed (AWS), reported."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from modules import sdk
from modules.access_model import EnvironmentAccess
from modules.config.model import Environment
from modules.verify.aws import (
    Deployment,
    VerifyError,
    VerifyUser,
    created_users,
    find_deployment,
    new_run,
    observe,
)
from modules.verify.matrix import (
    Verification,
    compare,
    expected,
    locations,
    member_sets,
    verification_json,
    verification_markdown,
)


def verify(
    environment: Environment,
    access: EnvironmentAccess,
    *,
    users: Path | None,
    read_only: bool,
    output: str,
    session: Any = None,
) -> int:
    """0 observed equals expected; 1 a mismatch, each on stderr too; 2 a user error."""
    try:
        if read_only and users is None:
            raise VerifyError("--read-only writes nothing, test users included: give --users FILE")
        given = None if users is None else _users_file(users, access)
        chosen = session if session is not None else sdk.session(environment.region)
        try:
            deployment = find_deployment(chosen, environment)
            run = new_run()
            results = []
            with _users(chosen, deployment, access, given, run) as test_users:
                for user in test_users:
                    seen = observe(
                        chosen,
                        deployment,
                        user,
                        locations(access, user.members),
                        run=run,
                        read_only=read_only,
                    )
                    results.append(compare(access, expected(access, user.members), seen))
        except sdk.call_errors() as error:
            raise VerifyError(f"AWS refused or failed a call: {error}") from None
    except (VerifyError, sdk.MissingSdk) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    verification = Verification(environment.name, read_only, tuple(results))
    print(verification_markdown(verification) if output == "md" else verification_json(verification), end="")
    for mismatch in verification.mismatches:
        print(f"mismatch: {mismatch}", file=sys.stderr)
    return 1 if verification.mismatches else 0


@contextmanager
def _users(
    session: Any,
    deployment: Deployment,
    access: EnvironmentAccess,
    given: tuple[VerifyUser, ...] | None,
    run: str,
) -> Iterator[tuple[VerifyUser, ...]]:
    if given is not None:
        yield given
        return
    with created_users(session, deployment, member_sets(access), run) as users:
        yield users


def _users_file(path: Path, access: EnvironmentAccess) -> tuple[VerifyUser, ...]:
    """`users: [{groups: [a, b], username: U, password_env: VAR}]`: the password is read from
    the environment variable VAR, never from the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise VerifyError(f"{path}: not a readable YAML file ({type(error).__name__})") from None
    entries = data.get("users") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise VerifyError(f"{path}: give users: [{{groups: [..], username: U, password_env: VAR}}, ...]")
    known = {str(role.group) for role in access.roles}
    return tuple(_user(path, index, entry, known) for index, entry in enumerate(entries))


def _user(path: Path, index: int, entry: Any, known: set[str]) -> VerifyUser:
    where = f"{path}: users[{index}]"
    if not isinstance(entry, dict) or set(entry) != {"groups", "username", "password_env"}:
        raise VerifyError(f"{where}: give exactly groups, username and password_env")
    groups, username, variable = entry["groups"], entry["username"], entry["password_env"]
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise VerifyError(f"{where}: groups is a list of group names ([] for a user in no group)")
    unknown = sorted(set(groups) - known)
    if unknown:
        groups_of = ", ".join(sorted(known))
        raise VerifyError(
            f"{where}: {', '.join(unknown)} is not a group of the environment (its groups: {groups_of})"
        )
    if not isinstance(username, str) or not isinstance(variable, str) or not os.environ.get(variable):
        raise VerifyError(f"{where}: username is text and password_env names a set environment variable")
    return VerifyUser(tuple(sorted(groups)), username, os.environ[variable])
