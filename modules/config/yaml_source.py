"""Reading one environment: safe YAML, `extends` chains, and where each value came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modules.errors import ConfigError, Problem

MAX_FILE_BYTES = 256 * 1024

FieldPath = tuple[str | int, ...]


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader without aliases (no "billion laughs"), duplicate keys or implicit dates."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed; write the value out", event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


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
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_mapping(path: Path) -> dict[str, Any]:
    """One YAML file as a mapping, or a ConfigError naming the file."""
    name = display_path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError([Problem(name, "", f"cannot be read: {error.strerror}")]) from error
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError([Problem(name, "", f"is {len(raw)} bytes; the limit is {MAX_FILE_BYTES} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"is not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})"
        raise ConfigError([Problem(name, "", reason)]) from error
    try:
        document = yaml.load(text, Loader=_StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigError([Problem(name, "", f"YAML error at {where}: {error.problem}")]) from error
    except yaml.YAMLError as error:
        raise ConfigError([Problem(name, "", f"YAML error: {error}")]) from error
    if not isinstance(document, dict):
        kind = "empty" if document is None else f"a {type(document).__name__}"
        raise ConfigError([Problem(name, "", f"must be a mapping of settings, but is {kind}")])
    return document


def load_source(path: Path) -> Source:
    """Read `path` and the chain of files it extends; later files override earlier ones."""
    chain = _extends_chain(path)
    document: dict[str, Any] = {}
    origins: dict[FieldPath, str] = {}
    for file, mapping in chain:
        _merge(document, mapping, (), display_path(file), origins)
    document.pop("extends", None)
    return Source(document=document, origins=origins, file=display_path(path))


def _extends_chain(path: Path) -> list[tuple[Path, dict[str, Any]]]:
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
        nxt = (current.parent / parent).resolve()
        if any(nxt == seen.resolve() for seen, _ in chain):
            cycle = " -> ".join([*(display_path(p) for p, _ in reversed(chain)), display_path(nxt)])
            raise ConfigError([Problem(name, "extends", f"forms a cycle: {cycle}")])
        if not nxt.is_file():
            raise ConfigError([Problem(name, "extends", f"file {display_path(nxt)} does not exist")])
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
