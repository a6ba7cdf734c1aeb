"""Output directories (cdktf.out, reports): replaced whole, and only when groupfolders wrote them.

A directory is ours when it is empty or carries MARKER, the list of every file written into it
with its SHA-256, and holds nothing else: no other file, and no listed file changed since. The new
content is built in a sibling staging directory, marked, and swapped in with two renames, so a
failed or interrupted run leaves the previous output where it was. A run killed between the two
renames leaves the previous output at `.NAME.old`; the next run puts it back before it starts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

MARKER = ".groupfolders-output"
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
    if directory.is_symlink():
        raise OutputDirError(f"{directory.absolute()} is a symbolic link: name a real directory")
    target = directory.resolve()
    _refuse_protected(target, environments)
    _refuse_unusable(target)
    _refuse_foreign(target)
    retired = _retired(target)
    if retired.is_symlink() or (retired.exists() and not retired.is_dir()) or _first_foreign(retired):
        raise OutputDirError(f"{retired} is in the way and groupfolders did not write it: move it away")
    return target


def replace(directory: Path, write: Callable[[Path], None]) -> None:
    """`directory` becomes exactly what `write` puts into the (empty) directory it is given."""
    target = check(directory)
    _restore(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as error:
        raise _unwritable(target, error) from None
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the output is not secret
        write(staging)
        _mark(staging)
        check(directory)  # again: nothing foreign may have arrived while we were writing
        _swap(target, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
                f"{target} {relation} {name}: groupfolders replaces its output directory whole, "
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


def _refuse_foreign(target: Path) -> None:
    foreign = _first_foreign(target)
    if foreign is not None:
        name, changed = foreign
        what = "changed since groupfolders wrote it" if changed else "which groupfolders did not write"
        raise OutputDirError(f"{target} holds {name}, {what}: {FIX_FOREIGN}")


def _first_foreign(directory: Path) -> tuple[str, bool] | None:
    """The first entry that groupfolders did not write, and whether it is a written file changed."""
    if not directory.is_dir():
        return None
    written = _written(directory)
    if written is None:
        return MARKER, False
    parents = {str(parent) for name in written for parent in Path(name).parents}
    for name in _entries(directory):
        path = directory / name
        if name in written:
            if path.is_symlink() or not path.is_file() or _digest(path) != written[name]:
                return name, True
        elif name not in parents or path.is_symlink() or not path.is_dir():
            return name, False
    return None


def _entries(directory: Path, under: str = "") -> Iterator[str]:
    """Every path below `directory` (relative, sorted, depth first); MARKER at the top is skipped."""
    for entry in sorted(os.scandir(directory / under), key=lambda entry: entry.name):
        name = f"{under}{entry.name}"
        if name == MARKER:
            continue
        yield name
        if entry.is_dir(follow_symlinks=False):
            yield from _entries(directory, f"{name}/")


def _written(directory: Path) -> dict[str, str] | None:
    """What MARKER lists (path → SHA-256); {} for no marker; None when the marker is not ours."""
    marker = directory / MARKER
    if not marker.exists() and not marker.is_symlink():
        return {}
    try:
        files = json.loads(marker.read_text())["files"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if marker.is_symlink() or not isinstance(files, dict):
        return None
    if not all(isinstance(name, str) and isinstance(digest, str) for name, digest in files.items()):
        return None
    return files


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mark(staging: Path) -> None:
    files = {name: _digest(staging / name) for name in _entries(staging) if (staging / name).is_file()}
    content = {"written_by": "groupfolders", "files": files}
    (staging / MARKER).write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")


def _retired(target: Path) -> Path:
    return target.with_name(f".{target.name}.old")


def _restore(target: Path) -> None:
    """Settle what a run killed during the swap left: the previous output back, or the older one gone."""
    retired = _retired(target)
    if not retired.exists():
        return
    if target.exists():
        _delete(retired)
    else:
        retired.rename(target)


def _swap(target: Path, staging: Path) -> None:
    retired = _retired(target)
    had_output = target.exists()
    if had_output:
        target.rename(retired)
    try:
        staging.rename(target)
    except OSError:
        if had_output:
            retired.rename(target)
        raise
    if had_output:
        _delete(retired)


def _delete(directory: Path) -> None:
    """Delete what MARKER lists, then the directories left empty, the marker last.

    Never a recursive delete: a file that is not listed makes `rmdir` fail instead of vanishing.
    A run killed half way leaves the marker, so the rest is still recognised as ours.
    """
    written = _written(directory) or {}
    for name in written:
        (directory / name).unlink(missing_ok=True)
    emptied = {parent for name in written for parent in Path(name).parents if parent != Path()}
    for parent in sorted(emptied, key=lambda path: len(path.parts), reverse=True):
        if (directory / parent).exists():
            (directory / parent).rmdir()
    (directory / MARKER).unlink(missing_ok=True)
    directory.rmdir()
