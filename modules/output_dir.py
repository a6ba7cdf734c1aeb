"""Output directories (cdktf.out, reports): rewritten only when groupfolders wrote them.

A directory is ours when it is empty or carries MARKER, the list of every file written into it
with its SHA-256, and holds nothing else but Terraform's working files in `stacks/<env>/`
(TERRAFORM), which every run keeps in place. The new output is built in a sibling staging
directory, so a failed or interrupted run leaves the previous output as it was; then it is
committed file by file under a second marker, NEXT (see `_commit`): a run killed during that
short commit leaves files that one of the two markers lists, and the next run completes it.
Every file and directory is synced to disk before the marker that lists it, so a power loss
leaves either output too.

Two runs on one directory take turns: the commit holds an exclusive `flock` on LOCK, a file
in the directory itself beside the markers (created on the first commit, never deleted, so
every run locks the same file); a run that finds it held says so on stderr and waits. A check
reads the directory under a shared lock. The kernel drops the lock of a killed run, and the
next run settles what it left.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from modules import bounded_json

MARKER = ".groupfolders-output"
NEXT = f"{MARKER}.next"
LOCK = f"{MARKER}.lock"
# What Terraform creates in a stack's directory (`cdktf deploy`, `terraform -chdir=... init/apply`):
# its data directory, dependency lock file, local state (default name, ours `terraform.<env>.tfstate`,
# backups, the timestamped backups of `terraform state` commands, the lock info), the workspace
# states of the local backend, and saved plans. Kept in place by every run, never listed as ours.
TERRAFORM = re.compile(
    r"stacks/[^/]+/("
    r"\.terraform|\.terraform\.lock\.hcl|terraform\.tfstate\.d"
    r"|[^/]+\.tfstate|[^/]+\.tfstate(\.[0-9]+)?\.backup|\.[^/]+\.tfstate\.lock\.info"
    r"|[^/]+\.tfplan)"
)
PROJECT = Path(__file__).resolve().parents[1]
FIX_FOREIGN = "move it away or name another directory"


class OutputDirError(Exception):
    """A directory that must not be replaced, or cannot be written; the message says what to do."""


def chosen(option: str, value: str, example: str) -> Path:
    """The directory named by `option`; empty is a mistake, never the working directory."""
    if not value.strip():
        separator = " " if option.startswith("-") else "="
        raise OutputDirError(f"{option} is empty: name a directory, e.g. {option}{separator}{example}")
    return Path(value)


def check(directory: Path, environments: Path | None = None) -> Path:
    """`directory`, resolved, if groupfolders may replace it; else OutputDirError saying why."""
    target = _place(directory, environments)
    with _locked(target, exclusive=False) as held:
        foreign = _first_foreign(target)
    if foreign is not None and not held and (target / LOCK).is_file():
        with _locked(target, exclusive=False):  # a first commit began meanwhile: read it whole
            foreign = _first_foreign(target)
    _refuse_foreign(target, foreign)
    return target


def _place(directory: Path, environments: Path | None) -> Path:
    if directory.is_symlink():
        raise OutputDirError(f"{directory.absolute()} is a symbolic link: name a real directory")
    target = directory.resolve()
    _refuse_protected(target, environments)
    _refuse_unusable(target)
    return target


def replace(directory: Path, write: Callable[[Path], None]) -> None:
    """`directory` becomes what `write` puts into the (empty) directory it is given, beside
    Terraform's working files, which stay where they are."""
    target = check(directory)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as error:
        raise _unwritable(target, error) from None
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the output is not secret
        write(staging)
        files = _staged(staging)
        _place(directory, None)
        with _locked(target, exclusive=True):
            _refuse_foreign(target, _first_foreign(target))  # again: nothing may have come meanwhile
            _commit(target, staging, files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def terraform_files(directory: Path) -> list[str]:
    """Terraform's working files and directories in `directory` (relative, sorted): kept by every run."""
    if not directory.is_dir():
        return []
    return [name for name in _entries(directory) if _terraforms(name)]


def _refuse_protected(target: Path, environments: Path | None) -> None:
    places = [
        (Path.cwd(), "the working directory"),
        (Path(os.path.expanduser("~")), "the home directory"),
        (PROJECT, "the project directory"),
    ]
    if environments is not None:
        places.append((environments, "the environments directory"))
    for place, name in places:
        resolved = place.resolve()
        if target == resolved or target in resolved.parents:
            relation = "is" if target == resolved else "holds"
            raise OutputDirError(
                f"{target} {relation} {name}: groupfolders rewrites its output directory, "
                "so name a directory of its own"
            )


def _refuse_unusable(target: Path) -> None:
    """A file where the directory (or one above it) should be, or a place we may not write."""
    existing = next(path for path in (target, *target.parents) if path.exists())
    if not existing.is_dir():
        raise OutputDirError(f"{existing} is a file, not a directory: name a directory")
    if not os.access(existing.parent if existing == target else existing, os.W_OK | os.X_OK):
        raise _unwritable(target, PermissionError(13, os.strerror(13)))


def _unwritable(target: Path, error: OSError) -> OutputDirError:
    return OutputDirError(f"cannot write {target} ({error.strerror}): name a directory you can write to")


@contextmanager
def _locked(target: Path, *, exclusive: bool) -> Iterator[bool]:
    """Hold LOCK of `target`: exclusive (creating the directory and the lock file), or shared
    when the lock file exists. Yields whether a lock is held."""
    descriptor = _open_lock(target, exclusive)
    if descriptor is None:
        yield False
        return
    try:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting: another groupfolders run is writing {target}", file=sys.stderr, flush=True)
            fcntl.flock(descriptor, mode)
        yield True
    finally:
        os.close(descriptor)  # and with it the lock


def _open_lock(target: Path, exclusive: bool) -> int | None:
    """LOCK opened, never followed if a link, never truncated; None when shared and there is none."""
    path = target / LOCK
    try:
        if exclusive:
            target.mkdir(exist_ok=True)
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT if exclusive else 0)
        return os.open(path, flags, 0o644)
    except OSError as error:
        if isinstance(error, FileNotFoundError) and not exclusive:
            return None
        raise OutputDirError(f"cannot lock {path} ({error.strerror}): {FIX_FOREIGN}") from None


def _refuse_foreign(target: Path, foreign: tuple[str, bool] | None) -> None:
    if foreign is not None:
        name, changed = foreign
        what = "changed since groupfolders wrote it" if changed else "which groupfolders did not write"
        raise OutputDirError(f"{target} holds {name}, {what}: {FIX_FOREIGN}")


def _first_foreign(directory: Path) -> tuple[str, bool] | None:
    """The first entry that groupfolders did not write, and whether it is a written file changed.

    A directory without a marker is ours only when empty. With one, every entry is a listed file
    whose content either marker allows, Terraform's (see TERRAFORM), or a real directory above one.
    """
    if not directory.is_dir():
        return None
    listed = _listed(directory)
    if isinstance(listed, str):
        return listed, False
    entries = list(_entries(directory))
    if listed is None:
        return (entries[0], False) if entries else None
    kept = [name for name in entries if _terraforms(name)]
    parents = {str(parent) for name in [*listed, *kept] for parent in Path(name).parents}
    for name in entries:
        path = directory / name
        if name in kept:
            continue
        if name in listed:
            if path.is_symlink() or not path.is_file() or _digest(path) not in listed[name]:
                return name, True
        elif name not in parents or path.is_symlink() or not path.is_dir():
            return name, False
    return None


def _terraforms(name: str) -> bool:
    return TERRAFORM.fullmatch(name) is not None


def _entries(directory: Path, under: str = "") -> Iterator[str]:
    """Every path below `directory` (relative, sorted, depth first); the markers at the top are
    skipped, and so is what lies inside Terraform's directories."""
    for entry in sorted(os.scandir(directory / under), key=lambda entry: entry.name):
        name = f"{under}{entry.name}"
        if name in (MARKER, NEXT) or (name == LOCK and entry.is_file(follow_symlinks=False)):
            continue
        yield name
        if entry.is_dir(follow_symlinks=False) and not _terraforms(name):
            yield from _entries(directory, f"{name}/")


def _listed(directory: Path) -> dict[str, set[str]] | str | None:
    """Each file the markers list → the SHA-256 values they allow; None without a marker; or the
    name of a marker that is not ours.

    MARKER lists the output in place; NEXT, while a run moves its output in, the output to come.
    A run killed in between leaves both, and each file matches one of them.
    """
    markers = [
        name for name in (MARKER, NEXT) if (directory / name).exists() or (directory / name).is_symlink()
    ]
    if not markers:
        return None
    listed: dict[str, set[str]] = {}
    for marker in markers:
        files = _read_marker(directory / marker)
        if files is None:
            return marker
        for name, digest in files.items():
            listed.setdefault(name, set()).add(digest)
    return listed


def _read_marker(path: Path) -> dict[str, str] | None:
    """What a marker lists (path → SHA-256); None when it is not ours."""
    try:
        files = bounded_json.loads(path.read_text())["files"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if path.is_symlink() or not isinstance(files, dict):
        return None
    if not all(isinstance(name, str) and isinstance(digest, str) for name, digest in files.items()):
        return None
    # A marker is data anyone can edit (or ship in an artifact): a name that leaves the directory
    # or names one of Terraform's files would have a run delete what groupfolders never wrote.
    if not all(_inside(name) and not _terraforms(name) for name in files):
        return None
    return files


def _inside(name: str) -> bool:
    """A plain relative path below the directory: no root, no `..`, `.` or empty part."""
    parts = name.split("/")
    return (
        not name.startswith("/") and "\\" not in name and all(part not in ("", ".", "..") for part in parts)
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _staged(staging: Path) -> dict[str, str]:
    """What `write` produced (path → SHA-256); never a name Terraform owns, which we would overwrite."""
    names = list(_entries(staging))
    taken = next((name for name in names if _terraforms(name)), None)
    if taken is not None:
        raise OutputDirError(f"the output would overwrite {taken}, which belongs to Terraform: report a bug")
    return {name: _digest(staging / name) for name in names if (staging / name).is_file()}


def _commit(target: Path, staging: Path, files: dict[str, str]) -> None:
    """Move the staged output into `target` file by file, beside what Terraform keeps there.

    NEXT is in place before the first file moves and replaces MARKER after the last, so a run
    killed in between leaves only files that one of the two markers lists; the next run settles
    that first. Each file's content, then the directories holding them, reach the disk before
    MARKER does. Ctrl-C and SIGTERM wait until the commit is done.
    """
    with _signals_held():
        _settle(target, staging)
        previous = _read_marker(target / MARKER) or {}
        _put_marker(files, staging / NEXT, target / NEXT)
        gone = sorted(set(previous) - set(files))
        for name in gone:
            _unlink_unchanged(target / name, previous[name])
        _remove_emptied(target, gone)
        for name in sorted(files):
            _sync(staging / name)
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target / name)
        folders = {parent for name in [*files, *gone] for parent in Path(name).parents}
        for folder in sorted(folders, key=lambda path: len(path.parts), reverse=True):
            if (target / folder).is_dir():
                _sync(target / folder)
        os.replace(target / NEXT, target / MARKER)
        _sync(target)


def _settle(target: Path, staging: Path) -> None:
    """After a killed commit: MARKER lists every file either marker allows as it is now; NEXT goes."""
    if not (target / NEXT).exists():
        return
    listed = _listed(target)
    assert isinstance(listed, dict), "check() refuses a marker that is not ours"
    present = {
        name: digest
        for name, digests in listed.items()
        if (target / name).is_file()
        and not (target / name).is_symlink()
        and (digest := _digest(target / name)) in digests
    }
    _put_marker(present, staging / MARKER, target / MARKER)
    _remove_emptied(target, sorted(set(listed) - set(present)))  # made for files that never came
    (target / NEXT).unlink()
    _sync(target)


def _put_marker(files: dict[str, str], scratch: Path, marker: Path) -> None:
    """Write a marker whole or not at all: beside the output first, then one rename."""
    content = {"written_by": "groupfolders", "files": files}
    scratch.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")
    _sync(scratch)
    os.replace(scratch, marker)
    _sync(marker.parent)


def _sync(path: Path) -> None:
    """Flush a file's content, or a directory's entries, to the disk."""
    descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _unlink_unchanged(path: Path, digest: str) -> None:
    """Delete a file we wrote only while it still holds what we wrote: a changed one stays, unlisted."""
    if path.is_file() and not path.is_symlink() and _digest(path) == digest:
        path.unlink()


def _remove_emptied(target: Path, gone: list[str]) -> None:
    """The directories of deleted files that are now empty; one that still holds anything stays."""
    parents = {parent for name in gone for parent in Path(name).parents if parent != Path()}
    for parent in sorted(parents, key=lambda path: len(path.parts), reverse=True):
        path = target / parent
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM take effect after the block, not in the middle of it (SIGKILL cannot wait).

    Python handlers, not a signal mask: a mask holds one thread, and the jsii kernel's threads would
    still take the signal. So the commit runs in the main thread.
    """
    arrived: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {
        held_signal: signal.signal(held_signal, lambda number, _: arrived.append(number))
        for held_signal in held
    }
    try:
        yield
    finally:
        for held_signal, handler in previous.items():
            signal.signal(held_signal, handler)
        for number in arrived:
            signal.raise_signal(number)
