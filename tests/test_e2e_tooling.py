"""`make e2e` where Terraform or a provider is missing: one line, and exit 1 unless told to skip;
and the normal run does not collect the end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import PROJECT
from tests.e2e import tooling


def run_tooling(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    # PATH without terraform: an empty directory and Python's own.
    path = os.pathsep.join([str(tmp_path), str(Path(sys.executable).parent)])
    return subprocess.run(
        [sys.executable, "-m", "tests.e2e.tooling"],
        cwd=PROJECT,
        env={**os.environ, "PATH": path, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def test_without_terraform_one_line_and_exit_1(tmp_path):
    done = run_tooling(tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "make e2e: no terraform on PATH (GROUPFOLDERS_E2E=skip to pass without it)\n",
        "",
    )


def test_without_terraform_skip_is_said_and_exits_10(tmp_path):
    done = run_tooling(tmp_path, GROUPFOLDERS_E2E="skip")
    assert (done.returncode, done.stdout) == (
        tooling.EXIT_SKIPPED,
        "make e2e: no terraform on PATH; skipped (GROUPFOLDERS_E2E=skip)\n",
    )


def test_make_e2e_passes_a_skip_and_fails_without_it(tmp_path):
    path = os.pathsep.join([str(tmp_path), "/usr/bin", "/bin"])
    environment = {**os.environ, "PATH": path}
    skipped = subprocess.run(
        ["make", "--no-print-directory", "e2e", f"PYTHON={sys.executable}"],
        cwd=PROJECT,
        env={**environment, "GROUPFOLDERS_E2E": "skip"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (skipped.returncode, skipped.stdout) == (
        0,
        "make e2e: no terraform on PATH; skipped (GROUPFOLDERS_E2E=skip)\n",
    )
    failed = subprocess.run(
        ["make", "--no-print-directory", "e2e", f"PYTHON={sys.executable}"],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode != 0
    assert failed.stdout == "make e2e: no terraform on PATH (GROUPFOLDERS_E2E=skip to pass without it)\n"


def test_a_mirror_without_the_provider_is_no_provider(tmp_path):
    assert tooling.mirrored_versions(tmp_path) == []
    (tmp_path / tooling.PROVIDER / "5.100.0" / "linux_amd64").mkdir(parents=True)
    (tmp_path / tooling.PROVIDER / "5.100.0" / "linux_amd64" / "terraform-provider-aws").touch()
    (tmp_path / tooling.PROVIDER / "5.9.0" / "linux_amd64").mkdir(parents=True)
    (tmp_path / tooling.PROVIDER / "5.9.0" / "linux_amd64" / "terraform-provider-aws").touch()
    (tmp_path / tooling.PROVIDER / "6.0.0").mkdir()  # empty: not a version it holds
    assert tooling.mirrored_versions(tmp_path) == ["5.9.0", "5.100.0"]


def test_a_mirror_provider_rewrites_the_pin_and_a_registry_keeps_it():
    mirrored = tooling.Provider(Path("/mirror"), "5.100.0")
    assert mirrored.version("6.25.0") == "5.100.0"
    assert 'path    = "/mirror"' in mirrored.cli_config()
    assert tooling.Provider(None, None).version("6.25.0") == "6.25.0"
    assert tooling.Provider(None, None).cli_config() == ""


def test_the_normal_run_does_not_recurse_into_the_end_to_end_tests():
    """pytest's own defaults stay in norecursedirs beside e2e (setting it replaces them)."""
    options = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["tests"]
    assert set(options["norecursedirs"]) >= {"e2e", ".*", "*.egg", "build", "dist", "venv"}
    assert (PROJECT / "tests" / "e2e" / "test_deploy.py").is_file()
