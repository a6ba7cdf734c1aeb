"""Reading one environment: safe YAML, `extends` chains, and where each value came from."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
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
        if node.tag not in PLAIN_TAGS:
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
class Source:
    """The merged document of one environment and the file each value came from."""

    document: Mapping[str, Any]
    origins: Mapping[FieldPath, str]
    file: str

    def origin_of(self, path: FieldPath) -> str:
        """The file that defined the deepest known part of `path`."""
        for length in range(len(path), 0, -1):
            if path[:length] in self.origins:
                return self.origins[path[:length]]
        return self.file


def display_path(path: Path) -> str:
    try:
        return str(real_path(path).relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def real_path(path: Path) -> Path:
    """`path` with symlinks resolved; unlike Path.resolve on Python 3.11, a symlink loop is
    no RuntimeError (opening the file then reports it)."""
    return Path(os.path.realpath(path))


def read_mapping(path: Path) -> dict[str, Any]:
    """One YAML file as a mapping, or a ConfigError naming the file."""
    document = read_yaml(path)
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise ConfigError([Problem(display_path(path), "", f"must be a mapping of settings, but is {kind}")])
    return document


def read_yaml(path: Path, *, aliases: bool = False) -> Any:
    """One YAML file of plain data (see _StrictSafeLoader), or a ConfigError naming the file."""
    name = display_path(path)
    raw = _read_regular_file(path, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"is not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})"
        raise ConfigError([Problem(name, "", reason)]) from error
    loader = _AliasingSafeLoader if aliases else _StrictSafeLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigError([Problem(name, "", f"YAML error at {where}: {error.problem}")]) from error
    except yaml.YAMLError as error:
        raise ConfigError([Problem(name, "", f"YAML error: {error}")]) from error


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
    origins: dict[FieldPath, str] = {}
    for file, mapping in chain:
        _merge(document, mapping, (), display_path(file), origins)
    document.pop("extends", None)
    return Source(document=document, origins=origins, file=display_path(path))


def _extends_chain(path: Path, root: Path | None) -> list[tuple[Path, dict[str, Any]]]:
    """[(base file, mapping), ..., (path, mapping)], most basic first."""
    chain: list[tuple[Path, dict[str, Any]]] = []
    current = path
    while True:
        mapping = read_mapping(current)
        chain.insert(0, (current, mapping))
        parent = mapping.get("extends")
        if parent is None:
            return chain
        name = display_path(current)
        if not isinstance(parent, str) or not parent:
            raise ConfigError([Problem(name, "extends", "must be a file name (a string)")])
        nxt = real_path(current.parent / parent)
        if root is not None and not nxt.is_relative_to(root):
            reason = (
                f"{parent} is outside the environments directory {display_path(root)}; "
                "move the file there, or pass --allow-extends-outside"
            )
            raise ConfigError([Problem(name, "extends", reason)])
        if any(nxt == real_path(seen) for seen, _ in chain):
            cycle = " -> ".join([*(display_path(p) for p, _ in reversed(chain)), display_path(nxt)])
            raise ConfigError([Problem(name, "extends", f"forms a cycle: {cycle}")])
        if not os.path.lexists(nxt):
            missing = f"file {display_path(nxt)} does not exist"
            if not nxt.parent.is_dir():
                missing += f" (nor does its directory {display_path(nxt.parent)})"
            raise ConfigError([Problem(name, "extends", missing)])
        current = nxt


def _merge(
    into: dict[str, Any],
    mapping: Mapping[str, Any],
    prefix: FieldPath,
    file: str,
    origins: dict[FieldPath, str],
) -> None:
    """Deep-merge mappings; any other value (lists included) replaces what was there."""
    for key, value in mapping.items():
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, path, file, origins)
        else:
            into[key] = value if not isinstance(value, dict) else _copy(value)
        origins[path] = file  # the last file to touch a mapping answers for it as a whole


def _copy(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in mapping.items()}
