"""Validated environments → cdktf.out, written whole or not at all."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from modules.config.model import Environment
from modules.stack import GroupFoldersStack


def synthesize(environments: Sequence[Environment], outdir: Path) -> None:
    """Build in a sibling temporary directory, then swap it into place.

    A failure at any point leaves an existing `outdir` as it was.
    """
    outdir = outdir.resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the output is not secret
    try:
        app = App(outdir=str(staging), stack_traces=False)
        for environment in environments:
            GroupFoldersStack(app, environment)
        app.synth()
        _replace(outdir, staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace(outdir: Path, staging: Path) -> None:
    """`outdir` becomes exactly what was synthesized (the stacks asked for, and its manifest)."""
    retired = outdir.with_name(f".{outdir.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if outdir.exists():
        outdir.rename(retired)
    try:
        staging.rename(outdir)
    except OSError:
        if retired.exists():
            retired.rename(outdir)
        raise
    shutil.rmtree(retired, ignore_errors=True)
