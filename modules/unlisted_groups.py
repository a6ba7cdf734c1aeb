"""The rule for groups the configuration does not list, as the deployed Lambda decides it.

The pre-token Lambda's template holds the one implementation (it runs with the standard library
alone, at sign-in); the report and `explain` load that same function, so that what they say of
an unlisted group is what the function will do.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

HANDLER_SOURCE = Path(__file__).resolve().parents[1] / "templates" / "lambda" / "pre_token_generation.py"


def load_handler_template() -> ModuleType:
    """The template itself as a fresh module (it reads grants.json only when first invoked)."""
    spec = importlib.util.spec_from_file_location("groupfolders_pre_token_generation", HANDLER_SOURCE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_handler = cache(load_handler_template)


def refusal(group: str, unlisted: dict[str, Any]) -> str | None:
    """Why the Lambda gives the unlisted group `group` no folder, or None (see unlisted_data)."""
    found: str | None = _handler().unlisted_refusal(group, unlisted)
    return found
