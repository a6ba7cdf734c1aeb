"""The pre-token Lambda's template, loaded as a module, and the events Cognito hands it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

HANDLER_SOURCE = Path(__file__).resolve().parents[1] / "templates" / "lambda" / "pre_token_generation.py"


def template_handler() -> ModuleType:
    """The template itself (it reads grants.json only when first invoked)."""
    spec = importlib.util.spec_from_file_location("pre_token_generation_template", HANDLER_SOURCE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def v1_event(groups: list[str]) -> dict[str, Any]:
    """A Pre Token Generation event, version 1 (TokenGeneration_Authentication), as AWS documents it."""
    return {
        "version": "1",
        "triggerSource": "TokenGeneration_Authentication",
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_Example1",
        "userName": "member",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "exampleclient"},
        "request": {
            "userAttributes": {"sub": "11111111-2222-4333-8444-555555555555", "email": "m@example.com"},
            "groupConfiguration": {
                "groupsToOverride": groups,
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
            "clientMetadata": {},
        },
        "response": {"claimsOverrideDetails": None},
    }
