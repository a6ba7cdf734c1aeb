"""The built wheel as someone else's repository gets it: installed (not editable) into a fresh
virtual environment, used from a directory that holds only environments/. Slow (it builds the
wheel once per session and installs the synth extra, about 500 MB): `-m "not slow"` skips it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from modules import __version__
from tests.conftest import EXAMPLES, PROJECT
from tests.setup_script import SETUP

pytestmark = pytest.mark.slow
SOURCES = ("pyproject.toml", "setup.py", "README.md", "LICENSE", "modules", "templates", "checks", "security")
PACKAGE = "groupfolders"
# this repository's environments without dev, whose CKV_GF_3 is this repository's own acceptance
ENVIRONMENTS = ("_groups.yaml", "prod.yaml", "union.yaml")


def run(
    command: Sequence[str | Path], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built once per session from a copy of the sources, beside an earlier build's
    leftover in build/ (setuptools builds in the tree)."""
    root = tmp_path_factory.mktemp("wheel")
    for name in SOURCES:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, root / "src" / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (root / "src").mkdir(exist_ok=True)
            shutil.copy(source, root / "src" / name)
    earlier = root / "src" / "build" / "lib" / PACKAGE  # what an earlier in-tree build left
    (earlier / "modules").mkdir(parents=True)
    (earlier / "__init__.py").write_text(SETUP.INIT)
    (earlier / "modules" / "removed_long_ago.py").write_text("from modules import nothing\n")
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", root / "dist", root / "src"],
        root,
    )
    assert built.returncode == 0, built.stderr
    (found,) = (root / "dist").glob("*.whl")
    return found


def test_the_wheel_holds_one_top_level_package(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        info = f"{PACKAGE}-{__version__}.dist-info"
        record = [line.split(",")[0] for line in archive.read(f"{info}/RECORD").decode().splitlines()]
        top_level = archive.read(f"{info}/top_level.txt").decode()
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    assert wheel.name == f"{PACKAGE}-{__version__}-py3-none-any.whl"
    assert top_level == f"{PACKAGE}\n"
    assert sorted({name.split("/")[0] for name in record}) == [PACKAGE, info]
    assert sorted(record) == sorted(names)
    assert f"{PACKAGE} = {PACKAGE}.modules.cli:run" in entry_points
    for shipped in (
        "modules/cli.py",
        "modules/discover/command.py",
        "modules/verify/command.py",
        "templates/policies/read.json.j2",
        "templates/report/access.md.j2",
        "templates/lambda/pre_token_generation.py",
        "checks/gf_common.py",
        "checks/README.md",
        "security/default_acceptances.yaml",
    ):
        assert f"{PACKAGE}/{shipped}" in names, shipped
    assert f"{PACKAGE}/main.py" not in names
    assert f"{PACKAGE}/modules/removed_long_ago.py" not in names, "an earlier build's leftovers"
    assert f"{PACKAGE}/security/accepted_findings.yaml" not in names, "this repository's additions stay here"


def test_init_and_check_in_a_repository_of_ones_own(wheel: Path, tmp_path: Path):
    """Base install: validate, no cdktf, check says which extra it needs; init; the synth
    extra; check with checkov found on PATH: exit 0, our own rules run from the installed files."""
    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", venv], tmp_path).returncode == 0
    python = venv / "bin" / "python"
    pip = [
        python,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-c",
        PROJECT / "requirements.txt",
    ]
    installed = run([*pip, wheel], tmp_path)
    assert installed.returncode == 0, installed.stderr

    repository = tmp_path / "repository"
    (repository / "environments").mkdir(parents=True)
    for name in ENVIRONMENTS:
        shutil.copy(EXAMPLES / name, repository / "environments" / name)
    path = tmp_path / "path"
    path.mkdir()
    (path / "checkov").symlink_to(
        os.environ.get("GROUPFOLDERS_CHECKOV", PROJECT / ".venv-checkov/bin/checkov")
    )
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("GROUPFOLDERS_CHECKOV", "PYTHONPATH")},
        "PATH": f"{path}{os.pathsep}{os.environ['PATH']}",
    }
    groupfolders = venv / "bin" / "groupfolders"

    def command(*arguments: str) -> subprocess.CompletedProcess:
        return run([groupfolders, *arguments], repository, environment)

    assert command("--version").stdout == f"groupfolders {__version__}\n"
    validated = command("validate")
    assert (validated.returncode, validated.stdout, validated.stderr) == (
        0,
        "2 environment(s) valid: prod, union\n",
        "",
    )
    for base in (
        ["report", "--format", "json"],
        ["explain", "--env", "prod", "--groups", "finance"],
        ["schema"],
    ):
        done = command(*base)
        assert (done.returncode, done.stderr) == (0, ""), base
    assert run([python, "-c", "import cdktf"], repository).returncode == 1, "the base install has no cdktf"
    for name in ("modules", "templates", "checks"):
        assert run([python, "-c", f"import {name}"], repository).returncode == 1, (
            f"{name} is no top-level name"
        )
    refused = command("check")
    assert (refused.returncode, refused.stderr) == (
        2,
        "error: check needs the synth extra (cdktf and the AWS provider bindings, not in the base install; "
        "missing: cdktf, constructs, cdktf_cdktf_provider_aws): "
        f"run `pip install 'groupfolders[synth]=={__version__}'`\n",
    )
    assert not (repository / "cdktf.out").exists()

    initialized = command("init")
    assert initialized.returncode == 0, initialized.stderr
    assert command("init").returncode == 2

    extra = run([*pip, f"{wheel}[synth]"], tmp_path)
    assert extra.returncode == 0, extra.stderr
    checked = command("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines()[-2:] == [
        "verdict: PASS",
        "reports: reports/check.json reports/check.sarif",
    ]
    findings = json.loads((repository / "reports" / "check.json").read_text())["findings"]
    assert findings and {f["accepted_by"] for f in findings} == {"groupfolders"}

    package = run(
        [python, "-c", f"import {PACKAGE}; print({PACKAGE}.__path__[0])"], repository
    ).stdout.strip()
    ours = run(
        [path / "checkov", "--directory", "cdktf.out/stacks", "--framework", "terraform_json", "--skip-download",
         "--external-checks-dir", Path(package) / "checks", "--check", "CKV_GF_1,CKV_GF_2", "--output", "json"],
        repository,
        {**environment, "LOG_LEVEL": "WARNING", "BC_SKIP_MAPPING": "TRUE"},
    )  # fmt: skip
    report = json.loads(ours.stdout)
    passed = {item["check_id"] for item in report["results"]["passed_checks"]}
    assert passed == {"CKV_GF_1", "CKV_GF_2"}, "the installed checks/ loads (gf_common beside the rules)"
