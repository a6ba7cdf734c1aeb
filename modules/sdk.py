"""The AWS SDK (boto3), an optional extra: only `discover` and `verify` call AWS.

Every other command works without it, so it is imported here, when a command asks for a
client, and its absence is one line that says how to get it.
"""

from __future__ import annotations

from typing import Any

INSTALL = "pip install 'groupfolders[aws]'"


class MissingSdk(Exception):
    """boto3 (or the SRP client verify signs in with) is not installed."""


def session(region: str | None) -> Any:
    """A boto3 session with the caller's credentials (the SDK's usual chain) in `region`."""
    try:
        import boto3  # noqa: PLC0415 - optional: only discover and verify need it
    except ImportError:
        raise MissingSdk(f"this command calls AWS through boto3, which is not installed: {INSTALL}") from None
    return boto3.session.Session(region_name=region)


def client_error() -> type[Exception]:
    """botocore's ClientError: an AWS service refused or failed a call."""
    from botocore.exceptions import ClientError  # noqa: PLC0415 - present whenever session() worked

    return ClientError


def call_errors() -> tuple[type[Exception], ...]:
    """Every way an AWS call fails: refused (ClientError) or never made (no credentials,
    no region, no connection: BotoCoreError). Only after session() worked."""
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415

    return (client_error(), BotoCoreError)
