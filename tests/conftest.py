"""Shared fixtures. Stack-level tests share one synth per session (the provider import is slow)."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT / "environments"
BAD_INPUTS = PROJECT / "tests" / "bad_inputs"

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
EAGER_PROCESS_KEY = pytest.StashKey[subprocess.Popen]()

BASE = """\
app: demo
region: eu-west-1
user_pool: {name: demo-pool}
bucket: {name: demo-bucket}
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that read the eager-import process (test_aws_bindings) run last, so that it runs
    beside all the others (it takes 10-25 s, mostly waiting on the second core)."""
    items.sort(key=lambda item: "eager" in getattr(item, "fixturenames", ()))


def pytest_collection_finish(session: pytest.Session) -> None:
    if any("eager" in getattr(item, "fixturenames", ()) for item in session.items):
        from tests.test_aws_bindings import start_eager_process  # noqa: PLC0415

        session.config.stash[EAGER_PROCESS_KEY] = start_eager_process()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """An eager-import process that no test waited for (the run stopped early) ends with the session."""
    process = session.config.stash.get(EAGER_PROCESS_KEY, None)
    if process is not None and process.poll() is None:
        process.kill()
        process.communicate()


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


@dataclass(frozen=True)
class CheckovRun:
    root: Path  # root/<tree>/stacks/<env>/cdk.tf.json, one tree per tests/scan_trees.TREES entry
    report: dict[str, Any]  # checkov's terraform_json report over root

    def report_on(self, tree: str) -> dict[str, Any]:
        """The report as if checkov had scanned root/<tree>/stacks alone (paths relative to it)."""
        inside = f"/{tree}/stacks/"
        results = self.report["results"]
        narrowed = {
            key: [
                {**item, "file_path": item["file_path"][len(inside) - 1 :]}
                for item in results.get(key, [])
                if item["file_path"].startswith(inside)
            ]
            for key in ("passed_checks", "failed_checks", "skipped_checks")
        }
        unparsed = [p for p in results.get("parsing_errors", []) if Path(p).is_relative_to(self.root / tree)]
        return {**self.report, "results": {**narrowed, "parsing_errors": unparsed}}


@pytest.fixture(scope="session")
def checkov_run(example_out: Path, tmp_path_factory: pytest.TempPathFactory) -> CheckovRun:
    """checkov once per session over every output tree whose tests only read its verdict."""
    from modules.scan import checkov_report  # noqa: PLC0415
    from tests.scan_trees import TREES  # noqa: PLC0415

    root = tmp_path_factory.mktemp("scanned")
    for tree, stacks in TREES.items():
        for env, text in stacks(example_out).items():
            (root / tree / "stacks" / env).mkdir(parents=True)
            (root / tree / "stacks" / env / "cdk.tf.json").write_text(text)
    return CheckovRun(root, checkov_report(root))
