"""Access levels: one jinja2 template each in templates/policies/, rendered to statements."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from modules.policies.check import Scope, statement_problems

TEMPLATE_DIRECTORY = Path(__file__).resolve().parents[2] / "templates" / "policies"
# A repository of environments may keep access levels of its own here (the CLI's default).
LOCAL_TEMPLATES = Path("templates") / "policies"


def default_templates() -> Path:
    """`./templates/policies` when the working directory has one, else groupfolders' own."""
    return LOCAL_TEMPLATES.resolve() if LOCAL_TEMPLATES.is_dir() else TEMPLATE_DIRECTORY


SUFFIX = ".json.j2"


class PolicyTemplateError(Exception):
    """A template that is missing, does not render, or renders a policy we refuse."""


def access_levels(directory: Path | None = None) -> tuple[str, ...]:
    """Every level a group may name; files starting with `_` are partials."""
    directory = directory or TEMPLATE_DIRECTORY
    # Listed once per change of the directory, not once per group: one stat instead of a listing.
    return _levels(directory, directory.stat().st_mtime_ns)


@cache
def _levels(directory: Path, _modified: int) -> tuple[str, ...]:
    return tuple(
        sorted(
            p.name.removesuffix(SUFFIX) for p in directory.glob(f"*{SUFFIX}") if not p.name.startswith("_")
        )
    )


@cache
def _environment(directory: Path) -> jinja2.Environment:
    # Sandboxed: a template produces data and reaches no Python object behind it
    # (`cycler.__init__.__globals__` and the like fail as a SecurityError, a TemplateError).
    environment = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # renders JSON; every value goes through `json`
        keep_trailing_newline=True,
    )
    environment.filters["json"] = json.dumps
    return environment


def render_statements(
    level: str,
    *,
    bucket_arn: str,
    folders: Sequence[str],
    versioned: bool,
    directory: Path | None = None,
) -> list[dict[str, Any]]:
    """The statements of `level` for `folders`, checked; PolicyTemplateError otherwise."""
    directory = directory or TEMPLATE_DIRECTORY  # read at call time: tests point it elsewhere
    if level not in access_levels(directory):
        known = ", ".join(access_levels(directory))
        raise PolicyTemplateError(f"unknown access level {level!r}; known levels: {known}")
    name = f"{level}{SUFFIX}"
    scope = Scope(
        bucket_arn=bucket_arn,
        object_arns=tuple(f"{bucket_arn}/{folder}*" for folder in folders),
        list_prefixes=tuple(value for folder in folders for value in (folder, f"{folder}*")),
    )
    context = {
        "bucket_arn": bucket_arn,
        "list_prefixes": list(scope.list_prefixes),
        "object_arns": list(scope.object_arns),
        "versioned": versioned,
    }
    try:
        text = _environment(directory).get_template(name).render(context)
    except jinja2.TemplateError as error:
        raise PolicyTemplateError(f"template {name} does not render: {error}") from error
    try:
        statements = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyTemplateError(
            f"template {name} renders invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from error
    problems = statement_problems(statements, scope)
    if problems:
        raise PolicyTemplateError(f"template {name}: {'; '.join(problems)}")
    return statements
