"""Shared fixtures. Stack-level tests share one synth per session (the provider import is slow)."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT / "environments"
BAD_INPUTS = PROJECT / "tests" / "bad_inputs"

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

BASE = """\
app: demo
region: eu-west-1
user_pool: {name: demo-pool}
bucket: {name: demo-bucket}
"""


@pytest.fixture(autouse=True)
def _project_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    """Problems name files relative to the working directory: make it the project."""
    monkeypatch.chdir(PROJECT)


@pytest.fixture
def write_env(tmp_path: Path) -> Callable[..., Path]:
    """Write `<name>.yaml` (dedented) into a fresh environments directory; return the directory."""

    def write(text: str, name: str = "test") -> Path:
        (tmp_path / f"{name}.yaml").write_text(textwrap.dedent(text))
        return tmp_path

    return write


def tree(directory: Path) -> dict[str, bytes]:
    """Every file below `directory` (hidden ones included) and its bytes: equal trees are identical."""
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


def load_stack(outdir: Path, environment: str) -> dict[str, Any]:
    return json.loads((outdir / "stacks" / environment / "cdk.tf.json").read_text())


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """Synthesize an environments directory once per session; returns the output directory."""
    from modules.synth import synthesize  # noqa: PLC0415 - only stack tests pay the import
    from modules.validation import load_valid_environments  # noqa: PLC0415

    done: dict[Path, Path] = {}

    def run(environments: Path) -> Path:
        if environments not in done:
            outdir = tmp_path_factory.mktemp("cdktf.out")
            synthesize(load_valid_environments(environments), outdir)
            done[environments] = outdir
        return done[environments]

    return run


@pytest.fixture(scope="session")
def example_out(synth_dir: Callable[[Path], Path]) -> Iterator[Path]:
    yield synth_dir(EXAMPLES)
