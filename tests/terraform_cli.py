"""Running the real Terraform on a test copy of a stack, with the AWS provider from a local mirror.

The stacks pin the provider `6.25.0` (cdktf-cdktf-provider-aws 21.22.1); the machines that run
the tests mirror `5.100.0` at /opt/tf-plugins, so the copy (never the output) is pinned to it.
`validate` needs no credentials and no network: it parses every file and checks it against the
provider's schema.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

MIRROR = Path("/opt/tf-plugins")
MIRRORED_PROVIDER = "5.100.0"
PINNED_PROVIDER = '"6.25.0"'
CLI_CONFIG = f"""\
provider_installation {{
  filesystem_mirror {{
    path = "{MIRROR}"
  }}
  direct {{
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }}
}}
"""


def unavailable() -> str | None:
    """Why Terraform cannot validate here (None: it can)."""
    if shutil.which("terraform") is None:
        return "no terraform binary on this machine"
    if not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws" / MIRRORED_PROVIDER).is_dir():
        return f"no AWS provider {MIRRORED_PROVIDER} mirrored at {MIRROR}"
    return None


def copy_for_the_mirror(stack: Path, copy: Path) -> Path:
    """The stack directory's files in `copy`, the provider pin rewritten to the mirrored one."""
    copy.mkdir(parents=True)
    for source in stack.iterdir():
        if source.is_file():
            (copy / source.name).write_text(source.read_text())
    stack_json = copy / "cdk.tf.json"
    text = stack_json.read_text()
    assert text.count(PINNED_PROVIDER) == 1, "the provider pin changed: update tests/terraform_cli.py"
    stack_json.write_text(text.replace(PINNED_PROVIDER, f'"{MIRRORED_PROVIDER}"'))
    return copy


def terraform(directory: Path, *command: str) -> subprocess.CompletedProcess[str]:
    config = directory.parent / f"{directory.name}.tfrc"
    config.write_text(CLI_CONFIG)
    environment = {
        **os.environ,
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_CLI_CONFIG_FILE": str(config),
    }
    return subprocess.run(
        ["terraform", f"-chdir={directory}", *command, "-no-color"],
        capture_output=True, text=True, check=False, env=environment,
    )  # fmt: skip
