"""Shared fixtures. Stack-level tests share one synth per session (the provider import is slow)."""

from __future__ import annotations

import copy
import json
import os
import shutil
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
CHECK_FIXTURES = PROJECT / "tests" / "check_fixtures"
# Stacks that checkov scans beside the examples (see checkov_run).
BROAD_DOCUMENT, BROAD_STRING, UNPARSABLE = "dev-broad-document", "dev-broad-string", "dev-unparsable"

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


def broad_stack(example_out: Path, as_string: bool) -> dict[str, Any]:
    """The dev stack with the analysts' policy widened to s3:* on every resource."""
    stack = copy.deepcopy(load_stack(example_out, "dev"))
    broad = {"sid": "Broad", "effect": "Allow", "actions": ["s3:*", "iam:PassRole"], "resources": ["*"]}
    if as_string:  # the form checkov's deeper IAM checks skip in .tf.json
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": broad["actions"], "Resource": "*"}],
        }
        stack["resource"]["aws_iam_role_policy"]["group_analysts_policy"]["policy"] = json.dumps(policy)
    else:
        stack["data"]["aws_iam_policy_document"]["group_analysts_permissions"]["statement"] = [broad]
    return stack


@dataclass(frozen=True)
class CheckovRun:
    root: Path  # root/stacks/<name>/ holds a stack (cdk.tf.json) or one rule's fixtures (main.tf[.json])
    reports: dict[str, dict[str, Any]]  # checkov's report per framework


@pytest.fixture(scope="session")
def checkov_run(example_out: Path, tmp_path_factory: pytest.TempPathFactory) -> CheckovRun:
    """checkov once per session over everything that tests only read its report on.

    Each stack is its own directory, so each is judged on its own (modules.scan.judge):
    the example stacks, broad and unparsable variants of dev, and our rules' fixtures.
    """
    from modules.scan import checkov_reports  # noqa: PLC0415

    stacks = tmp_path_factory.mktemp("scanned") / "stacks"
    shutil.copytree(example_out / "stacks", stacks)
    variants = {
        BROAD_DOCUMENT: json.dumps(broad_stack(example_out, as_string=False)),
        BROAD_STRING: json.dumps(broad_stack(example_out, as_string=True)),
        UNPARSABLE: '{"resource": {"aws_s3_bucket": {"b": ',
    }
    for name, text in variants.items():
        (stacks / name).mkdir()
        (stacks / name / "cdk.tf.json").write_text(text)
    for fixtures in sorted(CHECK_FIXTURES.iterdir()):
        shutil.copytree(fixtures, stacks / fixtures.name)
    return CheckovRun(stacks.parent, checkov_reports(stacks, ("terraform_json", "terraform")))
