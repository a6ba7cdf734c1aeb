"""The JSON Schema for editors: generated from the model, committed, and never at odds with `validate`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from pydantic import ValidationError

from modules.cli import main
from modules.config.model import Environment
from modules.config.schema import schema_text
from modules.config.yaml_source import load_source
from modules.errors import ConfigError
from tests.conftest import BAD_INPUTS, EXAMPLES, PROJECT

SCHEMAS = PROJECT / "schema"
ENVIRONMENT_SCHEMA = json.loads((SCHEMAS / "environment.schema.json").read_text())
BASE_SCHEMA = json.loads((SCHEMAS / "environment-base.schema.json").read_text())
FieldLoc = tuple[str | int, ...]
# pydantic's errors from our own checks (patterns, rules between fields): beyond a schema.
BEYOND_A_SCHEMA = ("value_error",)


def schema_errors(schema: dict, document: dict) -> set[FieldLoc]:
    """Where the schema refuses `document`: a missing or unknown key is placed at that key."""
    found: set[FieldLoc] = set()
    for error in jsonschema.Draft202012Validator(schema).iter_errors(document):
        at = tuple(error.absolute_path)
        if error.validator == "required":
            found |= {(*at, key) for key in error.validator_value if key not in error.instance}
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            found |= {(*at, key) for key in error.instance if key not in known}
        else:
            found.add(at)
    return found


def model_errors(name: str, document: dict) -> set[FieldLoc]:
    """Where the model refuses `document` for a reason a schema can state."""
    found: set[FieldLoc] = {("name",)} if "name" in document else set()  # the file name, never a setting
    try:
        Environment.model_validate_json(json.dumps({"name": name, **document}))
    except ValidationError as error:
        items = error.errors()
        for item in items:
            loc = tuple(item["loc"])
            echo = item["type"] == "too_short" and any(
                len(o["loc"]) > len(loc) for o in items if o["loc"][: len(loc)] == loc
            )
            if item["type"] not in BEYOND_A_SCHEMA and not echo:
                found.add(loc)
    return found


def readable(path: Path) -> bool:
    try:
        load_source(path, extends_outside=True)
    except ConfigError:
        return False
    return True


CASES = sorted(
    p
    for p in [
        *EXAMPLES.glob("*.yaml"),
        *BAD_INPUTS.glob("*.yaml"),
        *(BAD_INPUTS.parent / "good_inputs").glob("*.yaml"),
    ]
    if not p.name.startswith("_") and readable(p)
)


def test_the_committed_schemas_are_current():
    """`python main.py schema > schema/environment.schema.json` (and `--base`) after a model change."""
    assert (SCHEMAS / "environment.schema.json").read_text() == schema_text()
    assert (SCHEMAS / "environment-base.schema.json").read_text() == schema_text(base=True)


def test_the_schema_command_prints_them(capsys):
    """Byte for byte what is committed (what editors read), and the schema says what it must."""
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == (SCHEMAS / "environment.schema.json").read_text()
    schema = json.loads(printed)
    assert (schema["$schema"], schema["title"]) == (
        "https://json-schema.org/draft/2020-12/schema",
        "groupfolders environment",
    )
    assert list(schema["properties"]) == [
        *("extends", "app", "region", "account_id", "deploy_role_arn", "backend", "tags", "user_pool"),
        *("identity_pool", "bucket"),
        *("private_folders", "limits", "groups", "shared_folders"),
    ]  # not `name`: the file name is the environment's
    assert schema["additionalProperties"] is False
    assert (schema["if"], schema["else"]) == (
        {"required": ["extends"]},
        {"required": ["app", "region", "user_pool", "bucket", "groups"]},
    )
    assert schema["$defs"]["Group"]["required"] == ["name", "access", "precedence"]
    assert main(["schema", "--base"]) == 0
    printed = capsys.readouterr().out
    assert printed == (SCHEMAS / "environment-base.schema.json").read_text()
    base = json.loads(printed)
    assert base["title"] == "groupfolders base file (_*.yaml)"
    assert {"if", "else", "required"} & set(base) == set()  # a base requires nothing
    assert base["properties"] == schema["properties"]


# The keywords by which a schema refuses a value; `if` refuses through its `then`/`else`.
REFUSING = (
    "additionalProperties",
    "anyOf",
    "enum",
    "maximum",
    "minItems",
    "minProperties",
    "minimum",
    "required",
    "type",
)
# Each constraint of these kinds must be broken by a case: choices and ranges are where the
# model and the schema drift apart.
EACH_ONE = ("enum", "maximum", "minimum", "minItems")


def schema_constraints(schema: dict) -> dict[int, tuple[str, set[str]]]:
    """id of each subschema → (its JSON pointer, the refusing keywords it holds)."""
    found: dict[int, tuple[str, set[str]]] = {}

    def walk(value: object, pointer: str) -> None:
        if isinstance(value, dict):
            found[id(value)] = (pointer, set(value) & set(REFUSING))
            for key, inner in value.items():
                walk(inner, f"{pointer}/{key}")
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(inner, f"{pointer}/{index}")

    walk(schema, "")
    return found


def broken_constraints(schema: dict, document: dict) -> set[tuple[str, str]]:
    """(pointer of the subschema, keyword) of every error, and of every error inside an anyOf."""
    where = schema_constraints(schema)
    found: set[tuple[str, str]] = set()
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(document))
    while errors:
        error = errors.pop()
        found.add((where[id(error.schema)][0], str(error.validator)))
        errors.extend(error.context or [])
    return found


def test_the_corpus_breaks_every_kind_of_constraint_and_every_choice_and_range():
    """What `test_the_schema_judges_like_validate` compares is only as good as the cases: some
    case breaks each kind of constraint the schema states, and each of its choices and ranges."""
    broken = set().union(
        *(
            broken_constraints(ENVIRONMENT_SCHEMA, dict(load_source(c, extends_outside=True).document))
            for c in CASES
        )
    )
    stated = {
        (pointer, keyword)
        for pointer, keywords in schema_constraints(ENVIRONMENT_SCHEMA).values()
        for keyword in keywords
    }
    kinds = {keyword for _, keyword in stated}
    assert kinds == set(REFUSING), "the schema uses a new keyword: add it to REFUSING and a case"
    assert {keyword for _, keyword in broken} >= kinds
    each = {(pointer, keyword) for pointer, keyword in stated if keyword in EACH_ONE}
    assert each - broken == set(), "add a case to tests/bad_inputs/ that breaks each of these"
    assert len(each) == 14  # not vacuous: 4 choices, 4 lower and 4 upper bounds, 2 non-empty lists


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_schema_judges_like_validate(case: Path):
    """The merged document (extends resolved, what validate judges): the schema refuses exactly
    where the model does for a reason a schema can state; valid means no schema error."""
    document = dict(load_source(case, extends_outside=True).document)
    assert schema_errors(ENVIRONMENT_SCHEMA, document) == model_errors(case.stem, document)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_example_names_its_schema_and_is_valid_as_written(example: Path):
    """As an editor sees it: the file alone, against the schema of its first line."""
    variant = "environment-base" if example.name.startswith("_") else "environment"
    first = example.read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema=../schema/{variant}.schema.json"
    schema = BASE_SCHEMA if variant == "environment-base" else ENVIRONMENT_SCHEMA
    assert schema_errors(schema, yaml.safe_load(example.read_text())) == set()


def test_a_file_without_extends_needs_every_required_setting_and_a_base_none():
    partial = {"user_pool": {"name": "p"}}
    assert schema_errors(ENVIRONMENT_SCHEMA, partial) == {("app",), ("region",), ("bucket",), ("groups",)}
    assert schema_errors(ENVIRONMENT_SCHEMA, {"extends": "_base.yaml", **partial}) == set()
    assert schema_errors(BASE_SCHEMA, partial) == set()
    assert schema_errors(BASE_SCHEMA, {"groups": [{"name": "a"}]}) == {
        ("groups", 0, "access"),
        ("groups", 0, "precedence"),
    }
