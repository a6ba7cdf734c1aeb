"""The pre-token Lambda's template, loaded as a module, and the events Cognito hands it."""

from __future__ import annotations

from typing import Any

from modules.unlisted_groups import HANDLER_SOURCE, load_handler_template

__all__ = ["HANDLER_SOURCE", "template_handler", "v1_event"]
# The template itself, a fresh module each call (it reads grants.json only when first invoked).
template_handler = load_handler_template


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
