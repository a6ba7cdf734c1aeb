"""Checks on synthesized stacks that tests share."""

from __future__ import annotations

import json
import re
from typing import Any

INTERPOLATION = re.compile(r"[$%]\{[^}]*\}")  # `${...}` interpolation and `%{...}` directives
# What Terraform may interpolate in our output: references to our own resources and data.
TERRAFORM_REFERENCE = re.compile(r"^\$\{(data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+\.[a-z_]+\}$")


def non_references(stack_json: str) -> list[str]:
    """Every `${...}` that Terraform would interpolate but is not a reference (an IAM variable, say)."""
    return sorted({m for m in INTERPOLATION.findall(stack_json) if not TERRAFORM_REFERENCE.match(m)})


def blocks(stack: dict[str, Any]) -> dict[str, str]:
    """Address → canonical JSON of every resource, data source and output of a stack."""
    found = {}
    for kind, prefix in (("resource", ""), ("data", "data."), ("output", "output.")):
        for type_, entries in stack.get(kind, {}).items():
            if kind == "output":
                found[f"output.{type_}"] = json.dumps(entries, sort_keys=True)
                continue
            for name, body in entries.items():
                found[f"{prefix}{type_}.{name}"] = json.dumps(body, sort_keys=True)
    return found
