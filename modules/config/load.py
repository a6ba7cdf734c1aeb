"""Environment files → validated `Environment` models, every problem reported at once."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from modules.config.model import Environment, Group, field_mark
from modules.config.yaml_source import FieldPath, Position, Source, display_path, load_source
from modules.errors import ConfigError, Problem, did_you_mean

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


@dataclass(frozen=True)
class LoadedFile:
    """One environment file: the problems of its fields, and what the rules across groups can
    still judge when there are some."""

    problems: tuple[Problem, ...]
    # The file's model; with problems, the model of the file without its invalid groups
    # (None when another field is invalid too).
    environment: Environment | None
    groups: tuple[Group, ...]  # the groups that are valid on their own, in the order of `source`
    source: Source  # where the values of `environment` and `groups` are written
    # Names of the groups left out because they are invalid: other settings may name them.
    left_out: frozenset[str] = frozenset()


def load_environment(path: Path, *, extends_outside: bool = False) -> LoadedFile:
    """The model of one environment file and where each of its values came from; a ConfigError
    when the file cannot be read as a mapping of settings at all."""
    source = load_source(path, extends_outside=extends_outside)
    if "name" in source.document:
        raise ConfigError([source.problem(("name",), f"is the file name ({path.stem}); remove it")])
    keys = list(_non_text_keys(source, source.document, ()))
    if keys:
        raise ConfigError(keys)
    problems: list[Problem] = []
    environment = None
    try:
        environment = _model(path.stem, source)
    except ValidationError as error:
        problems += validation_problems(source, error)
    problems += _interpolations(source, source.document, ())
    if environment is not None:
        return LoadedFile((*_first_per_field(problems),), environment, environment.groups, source)
    return _without_invalid_groups(path.stem, source, _first_per_field(problems))


def _model(name: str, source: Source) -> Environment:
    # JSON mode: strict types, and YAML lists become the model's tuples.
    return Environment.model_validate_json(json.dumps({"name": name, **source.document}))


def _without_invalid_groups(name: str, source: Source, problems: list[Problem]) -> LoadedFile:
    """The file with the groups that fail on their own left out, so that the rules across
    groups judge the rest in the same run."""
    entries = source.document.get("groups")
    valid: dict[int, Group] = {}
    for index, entry in enumerate(entries if isinstance(entries, list) else ()):
        try:
            valid[index] = Group.model_validate_json(json.dumps(entry))
        except ValidationError:
            continue
    if not isinstance(entries, list):
        return LoadedFile((*problems,), None, (), source)
    invalid = set(range(len(entries))) - set(valid)
    rest = source.without_groups(invalid)
    try:
        environment = _model(name, rest)
    except ValidationError:
        environment = None
    left_out = frozenset(_name_of(entries[index]) for index in invalid) - {""}
    return LoadedFile((*problems,), environment, tuple(valid.values()), rest, left_out)


def _name_of(entry: Any) -> str:
    name = entry.get("name") if isinstance(entry, dict) else None
    return name if isinstance(name, str) else ""


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
        yield source.problem(path, reason)


def _non_text_keys(source: Source, value: Any, path: FieldPath) -> Iterator[Problem]:
    """JSON would turn a key read as null, a boolean or a number into text: `null:` a tag "null"."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                reason = (
                    f"key {json.dumps(key)} is not text: YAML reads an unquoted null, ~, true, false "
                    "or number as a value; quote it"
                )
                yield source.problem(path, reason, at=(*path, key))
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


def validation_problems(
    source: Source, error: ValidationError, within: FieldPath = (), model: type[BaseModel] = Environment
) -> list[Problem]:
    """pydantic's errors about a `model` as problems (`within`: where it sits in the file)."""
    items = [{**item, "loc": tuple(item["loc"])} for item in error.errors()]
    return [_problem(source, item, within, model) for item in items if not _echo(item, items)]


def _echo(item: dict, items: list[dict]) -> bool:
    """A "too short" error that only repeats that every element below it failed."""
    loc = item["loc"]
    return item["type"] == "too_short" and any(
        len(other["loc"]) > len(loc) and other["loc"][: len(loc)] == loc for other in items
    )


def _problem(source: Source, item: dict, within: FieldPath, model: type[BaseModel]) -> Problem:
    loc: FieldPath = item["loc"]
    reason = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "missing":
        reason = "is required"
    elif item["type"] == "extra_forbidden":
        reason = "is not a known setting" + did_you_mean(str(loc[-1]), settings_at(model, loc[:-1]))
    elif item["type"] == "too_short":
        reason = "must not be empty"
    elif item["type"] == "string_type" and isinstance(item.get("input"), bool):
        reason += " (YAML reads unquoted yes, no, on, off, true, false as booleans: quote the value)"
    elif item["type"] == "string_type" and isinstance(item.get("input"), int | float):
        # An account id of 12 digits is a number to YAML, and one with a leading 0 loses it.
        reason += " (YAML reads an unquoted number as a number: quote the value)"
    elif item["type"] == "value_error" and isinstance(item.get("input"), dict):
        named = [(key, at) for key, at in source.inherited((*within, *loc)) if _names(reason, key)]
        reason += _inherited_note(named)
    return source.problem((*within, *loc), reason)


def _inherited_note(inherited: Sequence[tuple[str, Position]]) -> str:
    """Where the keys that a refusal names come from, when a base file wrote them."""
    if not inherited:
        return ""
    wheres = ", ".join(f"{key} from {at.file}:{at.line}:{at.column}" for key, at in inherited)
    keys = ", ".join(f"`{key}: null`" for key, _ in inherited)
    return f" ({wheres}; {keys} here {'removes it' if len(inherited) == 1 else 'remove them'})"


def _names(reason: str, key: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", reason) is not None


def settings_at(model: type[BaseModel], loc: FieldPath) -> tuple[str, ...]:
    """The settings a user may write at `loc` of `model` (list positions skipped)."""
    for part in loc:
        if isinstance(part, str):
            fields = {info.alias or name: info for name, info in model.model_fields.items()}
            found = _model_in(fields[part].annotation) if part in fields else None
            if found is None:
                return ()
            model = found
    return tuple(
        info.alias or name for name, info in model.model_fields.items() if not field_mark(info, "hidden")
    )


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation such as `Bucket`, `tuple[Group, ...]` or `Backend | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next(filter(None, map(_model_in, get_args(annotation))), None)
