"""What an end-to-end run needs from the machine: Terraform and an AWS provider for it.

Standard library only: `make e2e` asks this (python -m tests.e2e.tooling) before it installs
anything, and the run reads the same answer.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROVIDER = "registry.terraform.io/hashicorp/aws"
REGISTRY_PROBE = "https://registry.terraform.io/.well-known/terraform.json"
DEFAULT_MIRROR = Path("/opt/tf-plugins")
VERSION = re.compile(r"\d+\.\d+\.\d+")
SKIP = "GROUPFOLDERS_E2E"  # =skip: a machine without the tools passes `make e2e` without running it
EXIT_SKIPPED = 10  # the tools are missing and the run was told to skip (make e2e then exits 0)


@dataclass(frozen=True)
class Provider:
    """Where `terraform init` takes the AWS provider from."""

    mirror: Path | None  # None: the registry answers and gives the stacks' pin
    mirrored: str | None  # the mirror's newest version

    def version(self, pinned: str) -> str:
        """The version a test copy of a stack pinned to `pinned` is rewritten to require."""
        return self.mirrored if self.mirrored is not None else pinned

    def described(self, pinned: str) -> str:
        if self.mirror is None:
            return f"hashicorp/aws {pinned} from the registry (the stacks' pin)"
        return (
            f"hashicorp/aws {self.mirrored} from the filesystem mirror {self.mirror} (the registry does"
            f" not answer; the stacks pin {pinned}, rewritten in the test copies only)"
        )

    def cli_config(self) -> str:
        """A Terraform CLI configuration: this provider from the mirror only, anything else direct."""
        if self.mirror is None:
            return ""
        return (
            "provider_installation {\n"
            f'  filesystem_mirror {{\n    path    = "{self.mirror}"\n    include = ["{PROVIDER}"]\n  }}\n'
            f'  direct {{\n    exclude = ["{PROVIDER}"]\n  }}\n'
            "}\n"
        )


def terraform() -> str | None:
    return shutil.which("terraform")


def mirror() -> Path:
    return Path(os.environ.get("GROUPFOLDERS_E2E_MIRROR", str(DEFAULT_MIRROR)))


def mirrored_versions(root: Path) -> list[str]:
    """The AWS provider versions an unpacked filesystem mirror holds, oldest first."""
    directory = root / PROVIDER
    if not directory.is_dir():
        return []
    found = [p.name for p in directory.iterdir() if VERSION.fullmatch(p.name) and any(p.iterdir())]
    return sorted(found, key=lambda v: tuple(int(part) for part in v.split(".")))


def registry_reachable(timeout: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(REGISTRY_PROBE, timeout=timeout):
            return True
    except (urllib.error.URLError, OSError):
        return False


def provider() -> Provider | None:
    """The registry when it answers, else the newest version of a filesystem mirror, else None."""
    if registry_reachable():
        return Provider(None, None)
    versions = mirrored_versions(mirror())
    return Provider(mirror(), versions[-1]) if versions else None


def missing() -> str | None:
    """One line saying what the run cannot have, or None when it has everything."""
    if terraform() is None:
        return "make e2e: no terraform on PATH"
    if provider() is None:
        return (
            f"make e2e: no AWS provider: the registry does not answer and {mirror()} holds no {PROVIDER}"
            " (GROUPFOLDERS_E2E_MIRROR names another mirror)"
        )
    return None


def terraform_version() -> str:
    shown = subprocess.run(["terraform", "version"], capture_output=True, text=True, check=False).stdout
    return shown.splitlines()[0] if shown else "terraform"


def main() -> int:
    problem = missing()
    if problem is None:
        found = provider()
        assert found is not None
        where = "the registry" if found.mirror is None else f"{found.mirror} ({found.mirrored})"
        print(f"e2e: {terraform_version()}; hashicorp/aws from {where}")
        return 0
    if os.environ.get(SKIP) == "skip":
        print(f"{problem}; skipped ({SKIP}=skip)")
        return EXIT_SKIPPED
    print(f"{problem} ({SKIP}=skip to pass without it)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
