"""A test copy of one synthesized stack, made deployable on the emulator, and Terraform on it.

Everything rewritten here is rewritten in the copy only, and said in `Deployment.rewrites`:
the provider pin (when the provider comes from a mirror), the backend (local state), the
buckets' prevent_destroy (so that a test destroy can run), ids the emulator chose.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import PROJECT
from tests.e2e.emulator import ROOT_KEY
from tests.e2e.tooling import Provider

OVERRIDE = "provider_override.tf.json"
# Every service the stacks use, at the emulator's one endpoint.
ENDPOINTS = ("cognitoidentity", "cognitoidp", "iam", "kms", "lambda", "logs", "s3", "sts")


def synthesize(environments: Path, env: str | None, outdir: Path, templates: Path | None = None) -> Path:
    """The project's own synth of one environment (None: all); returns the stack directory (the
    stacks' directory)."""
    command = [sys.executable, "main.py", "synth", "-q", "--environments", str(environments)]
    command += ["--env", env] if env else []
    command += ["--outdir", str(outdir)]
    command += ["--templates", str(templates)] if templates else []
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"synth of {env} failed ({done.returncode}): {done.stderr}")
    return outdir / "stacks" / env if env else outdir / "stacks"


@dataclass
class Deployment:
    directory: Path  # the test copy: Terraform's working directory
    pinned: str  # the stack's provider pin
    version: str  # the provider version the copy requires
    rewrites: list[str] = field(default_factory=list)
    cli_config: Path | None = None

    def terraform(self, *arguments: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0"}
        if self.cli_config is not None:
            environment["TF_CLI_CONFIG_FILE"] = str(self.cli_config)
        return subprocess.run(
            ["terraform", *arguments, "-no-color"],
            cwd=self.directory,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def outputs(self) -> dict[str, Any]:
        shown = self.terraform("output", "-json")
        return {name: value["value"] for name, value in json.loads(shown.stdout).items()}


def prepare(
    stack: Path, work: Path, provider: Provider, endpoint: str, ids: dict[str, str] | None = None
) -> Deployment:
    """Copy `stack` to `work` and make the copy deployable on the emulator at `endpoint`;
    `ids`: configured id → the emulator's id for the same thing (it cannot be told ids)."""
    shutil.copytree(stack, work)
    path = work / "cdk.tf.json"
    text = path.read_text()
    rewrites = []
    for configured, chosen in (ids or {}).items():
        rewrites.append(f"{configured} -> {chosen} (the emulator chose the id)")
        text = text.replace(configured, chosen)
    document = json.loads(text)
    required = document["terraform"]["required_providers"]["aws"]
    pinned = required["version"]
    required["version"] = provider.version(pinned)
    if required["version"] != pinned:
        rewrites.append(f"provider pin {pinned} -> {required['version']} (the mirror's)")
    if "local" not in document["terraform"]["backend"]:
        rewrites.append(f"backend {next(iter(document['terraform']['backend']))} -> local")
    document["terraform"]["backend"] = {"local": {"path": "terraform.tfstate"}}
    for provider_block in document.get("provider", {}).get("aws", []):
        # The provider asks no account here (skip_requesting_account_id), so it cannot tell the
        # emulator's account from the one the environment names: the check is the real account's.
        if provider_block.pop("allowed_account_ids", None) is not None:
            rewrites.append(
                "provider allowed_account_ids lifted (the emulator's account is not the one named)"
            )
    for kind, blocks in document["resource"].items():
        for name, block in blocks.items():
            if block.get("lifecycle", {}).get("prevent_destroy"):
                block["lifecycle"]["prevent_destroy"] = False
                rewrites.append(f"{kind}.{name}: prevent_destroy lifted")
    path.write_text(json.dumps(document, indent=2))
    (work / OVERRIDE).write_text(json.dumps(provider_override(endpoint), indent=2))
    cli_config = None
    if provider.cli_config():
        cli_config = work.parent / f"{work.name}.tfrc"
        cli_config.write_text(provider.cli_config())
    return Deployment(work, pinned, required["version"], rewrites, cli_config)


def provider_override(endpoint: str) -> dict[str, Any]:
    """The stack's provider, merged by Terraform with this: every service at the emulator."""
    return {
        "provider": {
            "aws": {
                "access_key": ROOT_KEY,
                "secret_key": ROOT_KEY,
                "skip_credentials_validation": True,
                "skip_requesting_account_id": True,
                "skip_metadata_api_check": True,
                "s3_use_path_style": True,
                "endpoints": [dict.fromkeys(ENDPOINTS, endpoint)],
            }
        }
    }
