"""The base of an access diff, rendered from its own environments and templates.

A base is a directory (its templates are taken from `../templates/policies/` beside it when
they exist) or a git revision, read straight from git into a temporary directory that is
gone when the diff is done: no worktree is left behind.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from modules.access_model import EnvironmentAccess, environment_access
from modules.config.yaml_source import display_path
from modules.errors import ConfigError, Problem
from modules.policies.templates import TEMPLATE_DIRECTORY
from modules.validation import load_valid_environments


@dataclass(frozen=True)
class Base:
    accesses: tuple[EnvironmentAccess, ...]
    description: str  # where its environments and templates came from, for the reader


def base_from_directory(
    environments: Path,
    names: Sequence[str],
    *,
    templates: Path = TEMPLATE_DIRECTORY,
    extends_outside: bool = False,
) -> Base:
    """The base in `environments`, rendered with the `templates/policies/` beside it when there
    is one, else with the head's `templates` (the description says which)."""
    if not environments.is_dir():
        where = display_path(environments)
        raise ConfigError([Problem(where, "", "is not a directory: the base of the diff must exist")])
    beside = environments.resolve().parent / "templates" / "policies"
    used = beside if beside.is_dir() else templates
    shown = display_path(beside) if beside.is_dir() else f"the head's ({display_path(templates)})"
    description = f"base: environments {display_path(environments)}, templates {shown}"
    return Base(_accesses(environments, names, used, extends_outside), description)


def base_from_git(
    ref: str,
    environments: Path,
    names: Sequence[str],
    *,
    templates: Path = TEMPLATE_DIRECTORY,
    extends_outside: bool = False,
) -> Base:
    """The base at `ref`: its environments, and its version of `templates` when they live in
    the same repository (else the head's `templates`, and the description says so)."""
    top = Path(_git(environments, "rev-parse", "--show-toplevel").decode().strip())
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=ref).decode().strip()
    environments_path = environments.resolve().relative_to(top).as_posix()
    paths = [environments_path]
    if templates.resolve().is_relative_to(top):
        paths.append(templates.resolve().relative_to(top).as_posix())
    present = [p for p in paths if _git(top, "ls-tree", "-d", commit, "--", p).strip()]
    if environments_path not in present:
        reason = f"does not exist at {ref}: the base of the diff must exist"
        raise ConfigError([Problem(f"{ref}:{environments_path}", "", reason)])
    with tempfile.TemporaryDirectory(prefix="groupfolders-base-") as directory:
        archive = _git(top, "archive", "--format=tar", commit, "--", *present)
        _extract(archive, directory, ref)
        root = Path(directory)
        base_templates = root / paths[1] if len(present) > 1 else templates
        used = f"{ref}:{paths[1]}" if len(present) > 1 else f"the head's ({display_path(templates)})"
        try:
            accesses = _accesses(root / environments_path, names, base_templates, extends_outside)
        except ConfigError as error:
            raise ConfigError([_at_ref(problem, root, ref) for problem in error.problems]) from error
    return Base(accesses, f"base: environments {ref}:{environments_path}, templates {used}")


def _extract(archive: bytes, directory: str, ref: str) -> None:
    """The tar of `git archive`, only as files and links within `directory`: a link to an absolute
    path or out of the tree (which git stores as any other file) is refused, never followed."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        try:
            tar.extractall(directory, filter="data")
        except tarfile.FilterError as error:
            member = error.tarinfo
            reason = (
                f"is a link to {member.linkname}, outside the files of {ref}: the base is read only "
                "from those files"
                if member.issym() or member.islnk()
                else f"cannot be read safely ({error})"
            )
            raise ConfigError([Problem(f"{ref}:{member.name}", "", reason)]) from None


def _accesses(
    environments: Path, names: Sequence[str], templates: Path | None, extends_outside: bool
) -> tuple[EnvironmentAccess, ...]:
    """An environment asked for but missing in the base is new: all of its access is added."""
    present = [name for name in names if (environments / f"{name}.yaml").is_file()]
    if names and not present:
        return ()
    loaded = load_valid_environments(environments, present, templates, extends_outside=extends_outside)
    return tuple(environment_access(environment, templates) for environment in loaded)


def _at_ref(problem: Problem, root: Path, ref: str) -> Problem:
    """Problems of the base name its files as `REF:path`, not the temporary directory."""
    file = Path(problem.file)
    if file.is_absolute() and file.is_relative_to(root.resolve()):
        return replace(problem, file=f"{ref}:{file.relative_to(root.resolve()).as_posix()}")
    return problem


def _git(where: Path, *arguments: str, what: str = "") -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(where), *arguments], capture_output=True, check=False)
    except OSError as error:
        raise ConfigError([Problem("--base-ref", "", f"git cannot run: {error.strerror}")]) from error
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        reason = f"{what!r} is not a commit of this repository" if what else (detail[-1] if detail else "")
        raise ConfigError([Problem("--base-ref", "", f"git {arguments[0]} failed: {reason}")])
    return done.stdout
