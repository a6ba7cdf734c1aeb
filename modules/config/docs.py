"""The README's configuration table, written from the model: each key's default and description
live on its field, so the table cannot drift from what is checked.

`python -m modules.config.docs` prints the table; tests/test_config.py holds README to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from modules.config.model import Environment, field_mark

HEADER = "| key | default | meaning |\n|---|---|---|\n"
# `extends` is read before the model exists (modules.config.yaml_source).
EXTENDS = (
    "extends",
    "none",
    "a file (relative to this one, inside the environments directory unless `--allow-extends-outside`) "
    "whose settings this one overrides; mappings merge, lists are replaced, and `null` removes what "
    "the base set (its default applies: `bucket: {name: null, existing: theirs}`)",
)


def configuration_table() -> str:
    rows = [EXTENDS, *_rows(Environment, "")]
    return HEADER + "".join(f"| `{key}` | {default} | {meaning} |\n" for key, default, meaning in rows)


def _rows(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, str, str]]:
    for name, field in model.model_fields.items():
        if field_mark(field, "hidden"):
            continue
        if (nested := _model_of(field.annotation)) is not None:
            if type(None) in get_args(field.annotation):  # an optional block says what it turns on
                yield f"{prefix}{name}", _default(field), _description(model, name, field)
            items = get_origin(field.annotation) is tuple
            yield from _rows(nested, f"{prefix}{name}{'[].' if items else '.'}")
            continue
        default = str(field_mark(field, "default_text") or _default(field))
        yield f"{prefix}{name}", default, _description(model, name, field)


def _description(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    if field.description is None:
        raise ValueError(f"{model.__name__}.{name} has no description")
    return field.description


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds, directly or as the items of a tuple."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _default(field: FieldInfo) -> str:
    """How YAML would write the default: `true`, `[]`, `{}`, `""`, `kms`."""
    if field.is_required():
        return "required"
    value = field.default
    if value is None:
        return "none"
    text = json.dumps(list(value) if isinstance(value, tuple) else value)
    return f"`{text.strip(chr(34)) if isinstance(value, str) and value else text}`"


if __name__ == "__main__":
    print(configuration_table(), end="")
