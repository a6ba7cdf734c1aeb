"""Validated environments → cdktf.out: the previous output stays until the new one is complete."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from modules import output_dir
from modules.config.model import Environment
from modules.stack import GroupFoldersStack


def synthesize(environments: Sequence[Environment], outdir: Path, templates: Path | None = None) -> None:
    """`outdir` holds exactly the stacks asked for and cdktf's manifest, or stays as it was;
    Terraform's working files in `stacks/<env>/` stay in place either way.

    It must be absent, empty or groupfolders' own earlier output (see modules/output_dir.py).
    """

    def build(staging: Path) -> None:
        app = App(outdir=str(staging), stack_traces=False)
        for environment in environments:
            GroupFoldersStack(app, environment, templates)
        app.synth()

    output_dir.replace(outdir, build)
