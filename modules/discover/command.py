"""`groupfolders discover`: read with the caller's credentials, print or write the YAML."""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from modules import sdk
from modules.discover.read import read_estate
from modules.discover.render import DEFAULT_APP, HEADER, discovered_yaml


class DiscoverError(Exception):
    """One line for the user; exit 2."""


@dataclass(frozen=True)
class Request:
    user_pool_id: str
    bucket: str
    identity_pool_id: str | None
    region: str | None
    output: Path | None
    templates: Path
    app: str = DEFAULT_APP


def discover(request: Request, session: object | None = None) -> int:
    """`session`: a boto3 session (tests pass one bound to moto); default: the caller's."""
    try:
        _check_output(request.output)
        region = request.region or request.user_pool_id.partition("_")[0]
        chosen = session if session is not None else sdk.session(region)
        try:
            estate = read_estate(
                chosen,
                user_pool_id=request.user_pool_id,
                bucket=request.bucket,
                identity_pool_id=request.identity_pool_id,
                region=region,
            )
        except sdk.call_errors() as error:
            raise DiscoverError(f"reading AWS failed: {error}") from None
        if not estate.client_ids:
            raise DiscoverError(
                f"user pool {request.user_pool_id} has no app client: create your app's first"
            )
        text = discovered_yaml(estate, request.templates, request.app)
    except (DiscoverError, sdk.MissingSdk) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if request.output is None:
        sys.stdout.write(text)
    else:
        _write(request.output, text)
        print(f"wrote {request.output}", file=sys.stderr)
    return 0


def _check_output(output: Path | None) -> None:
    """Lose nothing: replace only a file that discover wrote and nobody edited since."""
    if output is None:
        return
    if not output.parent.is_dir():
        raise DiscoverError(f"{output.parent} is not a directory: give --output a file in one")
    if not output.exists():
        return
    if not output.is_file():
        raise DiscoverError(f"{output} is not a file: give --output a file path")
    with output.open(encoding="utf-8", errors="replace") as file:
        first = file.readline().rstrip("\n")
    if first != HEADER:
        raise DiscoverError(
            f"{output} exists and discover did not write it (or it was edited): choose another --output"
        )


def _write(output: Path, text: str) -> None:
    """Whole or not at all: a temporary file beside it, then one rename."""
    handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
