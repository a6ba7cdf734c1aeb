"""Reading one environment: safe YAML, `extends` chains, and where each value came from."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from modules.errors import ConfigError, Problem

MAX_FILE_BYTES = 256 * 1024

MAX_DEPTH = 32  # levels of nested lists and mappings; a configuration needs about five
YAML_TAG = "tag:yaml.org,2002:"
PLAIN_TAGS = frozenset(f"{YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map"))

FieldPath = tuple[str | int, ...]


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader for plain data: no aliases (no "billion laughs"), duplicate keys, implicit
    dates, tags other than JSON's types, keys that are lists or mappings, or deep nesting."""

    allow_aliases = False

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent) and not self.allow_aliases:
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed; write the value out", event.start_mark
            )
        if self._depth == MAX_DEPTH:
            reason = f"nesting is deeper than {MAX_DEPTH} levels"
            raise yaml.composer.ComposerError(None, None, reason, self.peek_event().start_mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None and node.tag not in PLAIN_TAGS:
            raise yaml.composer.ComposerError(None, None, _tag_reason(node.tag), node.start_mark)
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value, not a list or mapping", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _AliasingSafeLoader(_StrictSafeLoader):
    """For files of our own (accepted findings) that share a text through &anchor / *alias."""

    allow_aliases = True


def _tag_reason(tag: str) -> str:
    if tag == f"{YAML_TAG}merge":
        return "merge keys (<<) are not allowed; write the settings out"
    shown = tag.replace(YAML_TAG, "!!", 1)
    return f"the tag {shown} is not allowed; write plain strings, numbers, booleans, lists and mappings"


# Dates stay strings: a group called 2024-01-01 is a name, not a datetime.
_StrictSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Position:
    """Where a value is written: its key in a mapping, or the item in a list (1-based)."""

    file: str
    line: int
    column: int


@dataclass(frozen=True)
class Source:
    """The merged document of one environment and where each value came from."""

    document: Mapping[str, Any]
    file: str
    positions: Mapping[FieldPath, Position] = field(default_factory=dict)
    # The file's index of each group in `document` when groups were left out (without_groups).
    group_indexes: tuple[int, ...] | None = None

    def origin_of(self, path: FieldPath) -> str:
        """The file that defined the deepest known part of `path`."""
        position = self.position_of(path)
        return position.file if position is not None else self.file

    def position_of(self, path: FieldPath) -> Position | None:
        """Where the deepest known part of `path` is written (None: nowhere in particular)."""
        for length in range(len(path), 0, -1):
            if path[:length] in self.positions:
                return self.positions[path[:length]]
        return None

    def problem(self, path: FieldPath, reason: str, *, at: FieldPath | None = None) -> Problem:
        """`reason` about the value at `path`, at the file, line and column of that value (or
        of the part `at`, such as one key of a mapping)."""
        path = self._in_file(path)
        position = self.position_of(path if at is None else self._in_file(at))
        if position is None:
            return Problem(self.file, field_path(path), reason)
        return Problem(position.file, field_path(path), reason, position.line, position.column)

    def inherited(self, path: FieldPath) -> tuple[tuple[str, Position], ...]:
        """The keys of the mapping at `path` written in another file than the one that wrote the
        mapping last (a base it extends), each with where."""
        path = self._in_file(path)
        mapping = self.positions.get(path)
        if mapping is None:
            return ()
        keys = sorted(p[-1] for p in self.positions if len(p) == len(path) + 1 and p[:-1] == path)
        found = ((str(key), self.positions[(*path, key)]) for key in keys)
        return tuple((key, at) for key, at in found if at.file != mapping.file)

    def without_groups(self, left_out: Collection[int]) -> Source:
        """This source with the groups at `left_out` removed; problems keep the file's indexes."""
        groups = self.document["groups"]
        kept = tuple(index for index in range(len(groups)) if index not in left_out)
        document = {**self.document, "groups": [groups[index] for index in kept]}
        return replace(self, document=document, group_indexes=kept)

    def _in_file(self, path: FieldPath) -> FieldPath:
        if self.group_indexes is None or len(path) < 2 or path[0] != "groups" or not isinstance(path[1], int):
            return path
        return ("groups", self.group_indexes[path[1]], *path[2:])


def field_path(loc: FieldPath) -> str:
    """("groups", 0, "name") → "groups[0].name"."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def display_path(path: Path) -> str:
    try:
        return str(real_path(path).relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def real_path(path: Path) -> Path:
    """`path` with symlinks resolved; unlike Path.resolve on Python 3.11, a symlink loop is
    no RuntimeError (opening the file then reports it)."""
    return Path(os.path.realpath(path))


def read_mapping(path: Path) -> tuple[dict[str, Any], dict[FieldPath, Position]]:
    """One YAML file as a mapping and where each value is written, or a ConfigError naming the file."""
    name = display_path(path)
    loader = _StrictSafeLoader(_read_text(path, name))
    node, document = _parse(loader, name)
    if node is None or not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise ConfigError([Problem(name, "", f"must be a mapping of settings, but is {kind}")])
    return document, dict(_positions(node, document, (), name, set()))


def read_yaml(path: Path, *, aliases: bool = False) -> tuple[Any, dict[FieldPath, Position]]:
    """One YAML file of plain data (see _StrictSafeLoader) and where each value is written, or
    a ConfigError naming the file."""
    name = display_path(path)
    loader = (_AliasingSafeLoader if aliases else _StrictSafeLoader)(_read_text(path, name))
    node, data = _parse(loader, name)
    return data, {} if node is None else dict(_positions(node, data, (), name, set()))


def _read_text(path: Path, name: str) -> str:
    raw = _read_regular_file(path, name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"is not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})"
        raise ConfigError([Problem(name, "", reason)]) from error


def _parse(loader: _StrictSafeLoader, name: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and the data of one document (what yaml.load does, keeping the nodes)."""
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        if mark is None:
            raise ConfigError([Problem(name, "", f"YAML error: {error.problem}")]) from error
        problem = Problem(name, "", f"YAML error: {error.problem}", mark.line + 1, mark.column + 1)
        raise ConfigError([problem]) from error
    except yaml.YAMLError as error:
        raise ConfigError([Problem(name, "", f"YAML error: {error}")]) from error
    finally:
        loader.dispose()


def _positions(
    node: yaml.Node, value: Any, prefix: FieldPath, file: str, seen: set[int]
) -> Iterator[tuple[FieldPath, Position]]:
    """The position of every value below `node`: a mapping's entries in order are the dict's
    (duplicate and merge keys are refused), a list's items are the list's. A node reached
    again through an alias is not entered again (an alias bomb stays small)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        entries = zip(node.value, value.items(), strict=True)
        children = [((*prefix, key), at, item_node, item) for (at, item_node), (key, item) in entries]
    elif isinstance(node, yaml.SequenceNode):
        items = enumerate(zip(node.value, value, strict=True))
        children = [((*prefix, index), at, at, item) for index, (at, item) in items]
    else:
        return
    for path, at, item_node, item in children:
        yield path, Position(file, at.start_mark.line + 1, at.start_mark.column + 1)
        yield from _positions(item_node, item, path, file, seen)


def _read_regular_file(path: Path, name: str) -> bytes:
    """The bytes of a regular file. Opened without blocking, so that a FIFO (or a device)
    named *.yaml is refused instead of waiting forever for a writer."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise ConfigError([Problem(name, "", f"cannot be read: {error.strerror}")]) from error
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            kind = _FILE_KINDS.get(stat.S_IFMT(status.st_mode), "a special file")
            raise ConfigError([Problem(name, "", f"is {kind}, not a regular file")])
        if status.st_size > MAX_FILE_BYTES:
            reason = f"is {status.st_size} bytes; the limit is {MAX_FILE_BYTES} bytes"
            raise ConfigError([Problem(name, "", reason)])
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(raw) > MAX_FILE_BYTES:  # grew since fstat
        raise ConfigError([Problem(name, "", f"is over the limit of {MAX_FILE_BYTES} bytes")])
    return raw


_FILE_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def load_source(path: Path, *, extends_outside: bool = False) -> Source:
    """Read `path` and the chain of files it extends; later files override earlier ones.

    `extends` may name only files inside the directory of `path` (the environments
    directory) unless `extends_outside` is set (the CLI's --allow-extends-outside).
    """
    root = None if extends_outside else real_path(path.parent)
    chain = _extends_chain(path, root)
    document: dict[str, Any] = {}
    positions: dict[FieldPath, Position] = {}
    for mapping, written in chain:
        _merge(document, mapping, (), written, positions)
    document.pop("extends", None)
    return Source(document=document, file=display_path(path), positions=positions)


def _extends_chain(path: Path, root: Path | None) -> list[tuple[dict[str, Any], dict[FieldPath, Position]]]:
    """[(mapping, positions) of the base file, ..., of path], most basic first."""
    chain: list[tuple[Path, tuple[dict[str, Any], dict[FieldPath, Position]]]] = []
    current = path
    while True:
        mapping, positions = read_mapping(current)
        chain.insert(0, (current, (mapping, positions)))
        parent = mapping.get("extends")
        if parent is None:
            return [read for _, read in chain]
        extends = Source(mapping, display_path(current), positions)
        if not isinstance(parent, str) or not parent:
            raise ConfigError([extends.problem(("extends",), "must be a file name (a string)")])
        nxt = real_path(current.parent / parent)
        if root is not None and not nxt.is_relative_to(root):
            reason = (
                f"{parent} is outside the environments directory {display_path(root)}; "
                "move the file there, or pass --allow-extends-outside"
            )
            raise ConfigError([extends.problem(("extends",), reason)])
        if any(nxt == real_path(seen) for seen, _ in chain):
            cycle = " -> ".join([*(display_path(p) for p, _ in reversed(chain)), display_path(nxt)])
            raise ConfigError([extends.problem(("extends",), f"forms a cycle: {cycle}")])
        if not os.path.lexists(nxt):
            missing = f"file {display_path(nxt)} does not exist"
            if not nxt.parent.is_dir():
                missing += f" (nor does its directory {display_path(nxt.parent)})"
            raise ConfigError([extends.problem(("extends",), missing)])
        current = nxt


def _merge(
    into: dict[str, Any],
    mapping: Mapping[str, Any],
    prefix: FieldPath,
    written: Mapping[FieldPath, Position],
    positions: dict[FieldPath, Position],
) -> None:
    """Deep-merge mappings; any other value (lists included) replaces what was there, and
    where its parts were written with it; `null` removes what a base set (its default applies)."""
    for key, value in mapping.items():
        path = (*prefix, key)
        if value is None and key in into and key != "extends":
            del into[key]
            for stale in [p for p in positions if p[: len(path)] == path]:
                del positions[stale]
            continue
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, path, written, positions)
        else:
            into[key] = value if not isinstance(value, dict) else _copy(value)
            for stale in [p for p in positions if p[: len(path)] == path]:
                del positions[stale]
            positions.update((p, at) for p, at in written.items() if p[: len(path)] == path)
        positions[path] = written[path]  # the last file to touch a mapping answers for it as a whole


def _copy(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in mapping.items()}
