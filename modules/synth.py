"""Validated environments → cdktf.out: the previous output stays until the new one is complete."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cdktf import App

from modules import output_dir
from modules.adoption import IMPORTS_FILE, imports_tf
from modules.config.model import Environment
from modules.progress import Progress
from modules.stack import GroupFoldersStack

# The S3 backend's use_lockfile needs Terraform 1.10. HCL beside cdk.tf.json rather than an
# override inside it: checkov's terraform_json parser accepts only objects in `terraform`.
REQUIRED_TERRAFORM = ">= 1.10"
VERSIONS_FILE = "versions.tf"
VERSIONS = f"""\
# Written by groupfolders. Terraform reads this file together with cdk.tf.json.
terraform {{
  required_version = "{REQUIRED_TERRAFORM}"
}}
"""


def synthesize(
    environments: Sequence[Environment],
    outdir: Path,
    templates: Path | None = None,
    progress: Progress | None = None,
) -> None:
    """`outdir` holds exactly the stacks asked for (each with its VERSIONS_FILE, and its
    IMPORTS_FILE where it adopts something) and cdktf's manifest, or stays as it was;
    Terraform's working files in `stacks/<env>/` stay in place either way.

    It must be absent, empty or groupfolders' own earlier output (see modules/output_dir.py).
    """

    steps = progress or Progress(quiet=True)

    def build(staging: Path) -> None:
        app = App(outdir=str(staging), stack_traces=False)
        stacks = []
        for environment in environments:
            with steps.step(f"  building the stack of {environment.name}"):
                stacks.append(GroupFoldersStack(app, environment, templates))
        with steps.step("  writing the stacks"):
            app.synth()
        for environment, stack in zip(environments, stacks, strict=True):
            directory = staging / "stacks" / environment.name
            (directory / VERSIONS_FILE).write_text(VERSIONS)
            if stack.imports:
                (directory / IMPORTS_FILE).write_text(imports_tf(stack.imports))

    output_dir.replace(outdir, build)
