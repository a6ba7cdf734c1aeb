"""Environment files → validated `Environment` models, every problem reported at once."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from modules.config.model import Environment
from modules.config.yaml_source import FieldPath, Source, display_path, load_source
from modules.errors import ConfigError, Problem

TERRAFORM_TEMPLATE = re.compile(r"[$%]\{")


def environment_files(directory: Path, names: Sequence[str] = ()) -> list[Path]:
    """Environment files in `directory`; files starting with `_` are shared bases."""
    where = display_path(directory)
    if not directory.is_dir():
        reason = "is not a directory" if os.path.lexists(directory) else "does not exist"
        raise ConfigError([Problem(where, "", f"{reason} (the environments directory)")])
    found = {p.stem: p for p in sorted(directory.glob("*.yaml")) if not p.name.startswith("_")}
    misnamed = [_misnamed(path, found) for path in sorted(directory.glob("*.yml"))]
    if misnamed:
        raise ConfigError(misnamed)
    if not names:
        if not found:
            raise ConfigError([Problem(where, "", "holds no environment (*.yaml)")])
        return list(found.values())
    missing = [name for name in names if name not in found]
    if missing:
        raise ConfigError(
            [Problem(where, "", f"no environment {name!r} ({where}/{name}.yaml)") for name in missing]
        )
    return [found[name] for name in dict.fromkeys(names)]


def _misnamed(path: Path, found: dict[str, Path]) -> Problem:
    """One spelling: `--env dev`, `extends`, the diff's base and the docs all mean dev.yaml."""
    if path.stem in found:
        reason = (
            f"repeats environment {path.stem!r} ({path.stem}.yaml); merge it into that file and delete it"
        )
    else:
        reason = f"is not read: environment files end in .yaml; rename it to {path.stem}.yaml"
    return Problem(display_path(path), "", reason)


def load_environment(path: Path, *, extends_outside: bool = False) -> tuple[Environment, Source]:
    """The model of one environment file, and where each of its values came from."""
    source = load_source(path, extends_outside=extends_outside)
    if "name" in source.document:
        raise ConfigError(
            [Problem(source.origin_of(("name",)), "name", f"is the file name ({path.stem}); remove it")]
        )
    document = {"name": path.stem, **source.document}
    keys = list(_non_text_keys(source, document, ()))
    if keys:
        raise ConfigError(keys)
    problems: list[Problem] = []
    try:
        # JSON mode: strict types, and YAML lists become the model's tuples.
        environment = Environment.model_validate_json(json.dumps(document))
    except ValidationError as error:
        problems += validation_problems(source, error)
    problems += _interpolations(source, document, ())
    if problems:
        raise ConfigError(_first_per_field(problems))
    return environment, source


def _interpolations(source: Source, value: Any, path: FieldPath) -> Iterator[Problem]:
    """Every string reaches .tf.json, where Terraform evaluates `${...}` and `%{...}`: a tag
    or description could read files or other resources at plan time."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _interpolations(source, key, (*path, key))
            yield from _interpolations(source, item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _interpolations(source, item, (*path, index))
    elif isinstance(value, str) and (found := TERRAFORM_TEMPLATE.search(value)):
        reason = f"{value!r} contains {found.group()!r}, which Terraform would evaluate; remove it"
        yield Problem(source.origin_of(path), field_path(path), reason)


def _non_text_keys(source: Source, value: Any, path: FieldPath) -> Iterator[Problem]:
    """JSON would turn a key read as null, a boolean or a number into text: `null:` a tag "null"."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                reason = (
                    f"key {json.dumps(key)} is not text: YAML reads an unquoted null, ~, true, false "
                    "or number as a value; quote it"
                )
                yield Problem(source.origin_of(path), field_path(path), reason)
            else:
                yield from _non_text_keys(source, item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _non_text_keys(source, item, (*path, index))


def _first_per_field(problems: list[Problem]) -> list[Problem]:
    """One problem per field: a field's own check speaks first, the interpolation check second."""
    seen: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        seen.setdefault((problem.file, problem.path), problem)
    return list(seen.values())


def validation_problems(source: Source, error: ValidationError, within: FieldPath = ()) -> list[Problem]:
    """pydantic's errors as problems (`within`: where the validated value sits in the file)."""
    items = [{**item, "loc": (*within, *item["loc"])} for item in error.errors()]
    return [_problem(source, item) for item in items if not _echo(item, items)]


def _echo(item: dict, items: list[dict]) -> bool:
    """A "too short" error that only repeats that every element below it failed."""
    loc = tuple(item["loc"])
    return item["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in items
    )


def _problem(source: Source, item: dict) -> Problem:
    loc: FieldPath = tuple(item["loc"])
    reason = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "missing":
        reason = "is required"
    elif item["type"] == "extra_forbidden":
        reason = "is not a known setting"
    elif item["type"] == "too_short":
        reason = "must not be empty"
    elif item["type"] == "string_type" and isinstance(item.get("input"), bool):
        reason += " (YAML reads unquoted yes, no, on, off, true, false as booleans: quote the value)"
    return Problem(source.origin_of(loc), field_path(loc), reason)


def field_path(loc: FieldPath) -> str:
    """("groups", 0, "name") → "groups[0].name"."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
