"""The pre-token Lambda's handler as this project ships it, loaded for tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

HANDLER_SOURCE = Path(__file__).resolve().parents[1] / "templates" / "lambda" / "pre_token_generation.py"


def load_handler_template() -> ModuleType:
    """The template itself, a fresh module each call (it reads grants.json only when first invoked)."""
    spec = importlib.util.spec_from_file_location("pre_token_generation_template", HANDLER_SOURCE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
