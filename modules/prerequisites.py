"""What `synth` and `check` need beyond the base install, found before anything is synthesized:
the synth extra (cdktf, constructs, the AWS provider bindings), Node.js (jsii runs on it) and
checkov (a program of its own: its pins cannot live beside ours). Each missing one is one line,
with a hint that fits how this groupfolders was installed: from this checkout (`make`), by pipx,
or by pip.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from modules import __version__

PROJECT = Path(__file__).resolve().parents[1]
CHECKOUT_CHECKOV = PROJECT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_VARIABLE = "GROUPFOLDERS_CHECKOV"
CHECKOV_VERSION = "3.3.30"  # requirements-checkov.txt's pin (a test keeps them equal)
SYNTH_MODULES = ("cdktf", "constructs", "cdktf_cdktf_provider_aws")
NODE_HINT = "install Node.js 22 or later (https://nodejs.org/) and put `node` on PATH"


class MissingPrerequisite(Exception):
    """A program or an install extra that the command needs is missing: exit 2, one line."""


def installed_by() -> str:
    """ "checkout" (this repository: the built package is named groupfolders, the checkout's tree
    `modules`), "pipx" (its virtual environments live under a pipx directory) or "pip"."""
    if not __name__.startswith("groupfolders."):
        return "checkout"
    return "pipx" if "pipx" in Path(sys.prefix).parts else "pip"


def require_synth_extra(command: str) -> None:
    """`synth` and `check` import cdktf: say how to get it, before anything else is done."""
    missing = [name for name in SYNTH_MODULES if importlib.util.find_spec(name) is None]
    if not missing:
        return
    hint = {
        "checkout": "run `make .venv/.installed`",
        "pipx": f"run `pipx install --force 'groupfolders[synth]=={__version__}'`",
        "pip": f"run `pip install 'groupfolders[synth]=={__version__}'`",
    }[installed_by()]
    raise MissingPrerequisite(
        f"{command} needs the synth extra (cdktf and the AWS provider bindings, not in the base install; "
        f"missing: {', '.join(missing)}): {hint}"
    )


def require_node() -> None:
    if shutil.which("node") is None:
        raise MissingPrerequisite(f"Node.js not found on PATH (cdktf runs on it): {NODE_HINT}")


def checkov_binary() -> Path:
    """$GROUPFOLDERS_CHECKOV, else this checkout's .venv-checkov (its pinned checkov), else `checkov`
    on PATH."""
    given = os.environ.get(CHECKOV_VARIABLE)
    if given:
        if not Path(given).is_file():
            raise MissingPrerequisite(f"{CHECKOV_VARIABLE}={given}: no such file (name the checkov program)")
        return Path(given)
    if installed_by() == "checkout" and CHECKOUT_CHECKOV.is_file():
        return CHECKOUT_CHECKOV
    found = shutil.which("checkov")
    if found is not None:
        return Path(found)
    hint = {
        "checkout": "run `make .venv-checkov/.installed`",
        "pipx": f"run `pipx install checkov=={CHECKOV_VERSION}`",
        "pip": f"install it into an environment of its own (`pipx install checkov=={CHECKOV_VERSION}`)",
    }[installed_by()]
    raise MissingPrerequisite(f"checkov not found on PATH: {hint}, or set {CHECKOV_VARIABLE} to its path")
