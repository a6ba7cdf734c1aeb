"""Checks on synthesized stacks that tests share."""

from __future__ import annotations

import json
import re
from typing import Any

INTERPOLATION = re.compile(r"[$%]\{[^}]*\}")  # `${...}` interpolation and `%{...}` directives
# What Terraform may interpolate in our output: references to our own resources and data.
TERRAFORM_REFERENCE = re.compile(r"\$\{(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]+\}")


def non_references(stack_json: str) -> list[str]:
    """Every `${...}` that Terraform would interpolate but is not a reference (an IAM variable, say)."""
    return sorted({m for m in INTERPOLATION.findall(stack_json) if not TERRAFORM_REFERENCE.fullmatch(m)})


def dangling_references(stack: dict[str, Any]) -> list[str]:
    """Every reference to a resource or data source that the stack does not declare."""
    text = json.dumps(stack)
    found = []
    for match in INTERPOLATION.findall(text):
        reference = TERRAFORM_REFERENCE.fullmatch(match)
        if reference is None:
            continue
        kind = "data" if reference.group(1) else "resource"
        if reference.group(3) not in stack.get(kind, {}).get(reference.group(2), {}):
            found.append(match)
    return sorted(set(found))


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
