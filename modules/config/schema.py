"""The JSON Schema of an environment file, generated from the model, for editors and pre-commit.

It holds what a schema can say: the settings and their types, choices, ranges and which are
required. Patterns, rules across fields and across groups stay with `validate`, which has the
last word. A file with `extends` may leave any setting to its base, and a base file (`_*.yaml`)
has its own variant that requires nothing, since the file that extends it completes the
environment (a group entry is still whole: a list is replaced, not merged).
"""

from __future__ import annotations

import json
from typing import Any

from modules.config.model import Environment, field_mark

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Keys of json_schema_extra that feed the README's configuration table, not the schema.
DOCUMENTATION_KEYS = ("default_text", "new_bucket_only", "hidden")
EXTENDS = {
    "type": "string",
    "description": "a base file whose settings this file extends and overrides (mappings merge, lists are "
    "replaced), relative to this file and inside the environments directory",
}


def environment_schema(*, base: bool = False) -> dict[str, Any]:
    """The schema of an environment file, or with `base` of a base file."""
    schema = Environment.model_json_schema()
    hidden = [name for name, info in Environment.model_fields.items() if field_mark(info, "hidden")]
    for name in hidden:
        del schema["properties"][name]
    required = [name for name in schema.pop("required") if name not in hidden]
    schema["properties"] = {"extends": EXTENDS, **schema["properties"]}
    if not base:  # a file that extends another may leave any setting to it
        schema["if"] = {"required": ["extends"]}
        schema["else"] = {"required": required}
    title = "groupfolders base file (_*.yaml)" if base else "groupfolders environment"
    return {"$schema": DIALECT, **_without_documentation_keys(schema), "title": title}


def schema_text(*, base: bool = False) -> str:
    return json.dumps(environment_schema(base=base), indent=2, ensure_ascii=False) + "\n"


def _without_documentation_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_documentation_keys(v) for k, v in value.items() if k not in DOCUMENTATION_KEYS}
    if isinstance(value, list):
        return [_without_documentation_keys(item) for item in value]
    return value
