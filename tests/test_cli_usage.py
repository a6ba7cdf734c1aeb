"""Using the CLI as another repository would: from its own directory, installed, with help,
version, progress on stderr and a short passing verdict."""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import yaml

from modules import __version__, cli, progress
from modules.cli import _parser, main
from modules.progress import Progress
from tests.conftest import EXAMPLES, PROJECT

PROGRESS = re.compile(r"(.+) \.\.\.|(.+): done in \d+\.\d s")


def own_repository(tmp_path: Path, *, accepted: bool = True) -> Path:
    """A repository of someone else's: environments/ and security/ of its own (without an
    accepted-findings file unless `accepted`), no groupfolders."""
    (tmp_path / "environments").mkdir()
    for name in ("_groups.yaml", "dev.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / "environments" / name)
    (tmp_path / "security").mkdir()
    if accepted:
        shutil.copy(PROJECT / "security" / "accepted_findings.yaml", tmp_path / "security")
    return tmp_path


def subcommands() -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_option_of_every_command_says_its_default_and_every_command_its_exit_codes():
    commands = subcommands()
    assert sorted(commands) == [
        "check",
        "discover",
        "explain",
        "init",
        "plan-summary",
        "report",
        "schema",
        "synth",
        "validate",
        "verify",
    ]
    for name, command in commands.items():
        assert "exit codes: 0 " in command.format_help(), name
        options = [a for a in command._actions if a.option_strings and a.dest != "help"]
        assert [a.dest for a in options if "default" not in (a.help or "")] == [], name


def test_version_is_the_package_version(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert (caught.value.code, capsys.readouterr().out) == (0, f"groupfolders {__version__}\n")
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "modules.__version__"}


def test_progress_lines_stay_off_a_stream_that_is_not_a_terminal(capsys):
    """pre-commit, CI logs and pipes get the result alone."""
    assert main(["validate"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("4 environment(s) valid: dev, prod, staging, union\n", "")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_slow_step_shows_when_it_started_and_how_long_it_took():
    terminal = Terminal()
    with Progress(quiet=False, stream=terminal, after=0.01).step("synthesizing dev"):
        deadline = time.monotonic() + 10
        while "..." not in terminal.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    lines = terminal.getvalue().splitlines()
    assert lines[0] == "synthesizing dev ..."
    assert [PROGRESS.fullmatch(line) is not None for line in lines] == [True, True]
    assert lines[1].startswith("synthesizing dev: done in ")


def test_on_a_terminal_a_fast_step_and_a_quiet_run_print_nothing():
    terminal = Terminal()
    with Progress(quiet=False, stream=terminal, after=3600).step("validating environments"):
        pass
    with Progress(quiet=True, stream=terminal, after=0.0).step("synthesizing dev"):
        time.sleep(0.05)
    assert terminal.getvalue() == ""


def test_the_cli_runs_from_another_directory_on_its_own_environments(tmp_path: Path):
    repository = own_repository(tmp_path)
    (repository / "environments" / "dev.yaml").write_text(
        (EXAMPLES / "dev.yaml").read_text().replace("acme-groupfolders-dev", "other-team-files")
    )
    run = [sys.executable, str(PROJECT / "main.py")]
    validate = subprocess.run([*run, "validate"], cwd=repository, capture_output=True, text=True, check=False)
    assert (validate.returncode, validate.stdout, validate.stderr) == (0, "1 environment(s) valid: dev\n", "")
    report = subprocess.run([*run, "report"], cwd=repository, capture_output=True, text=True, check=False)
    assert report.returncode == 0
    assert "other-team-files" in report.stdout


def test_check_in_another_directory_reads_its_accepted_findings_and_prints_one_verdict(
    tmp_path: Path, monkeypatch, capsys, example_out
):
    monkeypatch.chdir(own_repository(tmp_path))
    assert main(["check", "--outdir", "out", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    verdict = captured.out.splitlines()[-3:]
    assert re.fullmatch(
        r"checkov [\d.]+: \d+ passed, 0 failed, 8 accepted by groupfolders' defaults, "
        r"1 by security/accepted_findings.yaml",
        verdict[0],
    )
    assert verdict[1:] == ["verdict: PASS", "reports: reports/check.json reports/check.sarif"]
    assert not [line for line in captured.out.splitlines() if line.endswith(" accepted")]
    assert (tmp_path / "reports" / "check.sarif").is_file()

    assert main(["check", "--outdir", "out", "--quiet", "--verbose"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("dev ")]
    assert [row[1:3] for row in rows if row[-1] == "accepted"] == [
        ["CKV_GF_3", "aws_cognito_identity_pool_roles_attachment.identities_roles"]
    ]
    assert len([row for row in rows if row[-3:] == ["accepted", "by", "groupfolders"]]) == 8
    assert len(rows) == 9


def test_without_an_accepted_findings_file_nothing_more_is_accepted(
    tmp_path: Path, monkeypatch, capsys, example_out
):
    """No security/accepted_findings.yaml: groupfolders' own acceptances alone; dev's CKV_GF_3,
    this repository's addition, fails."""
    monkeypatch.chdir(own_repository(tmp_path, accepted=False))
    assert main(["check", "--outdir", "out", "--quiet"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split() for line in out if line.endswith("FAILED")] == [
        ["dev", "CKV_GF_3", "aws_cognito_identity_pool_roles_attachment.identities_roles", "FAILED"]
    ]
    assert re.fullmatch(
        r"checkov [\d.]+: \d+ passed, 1 failed, 8 accepted by groupfolders' defaults, "
        r"0 by no accepted-findings file",
        out[-3],
    )


def test_check_refuses_an_accepted_findings_file_it_was_given_and_cannot_read(
    tmp_path: Path, monkeypatch, capsys
):
    monkeypatch.chdir(own_repository(tmp_path, accepted=False))
    assert main(["check", "--outdir", "out", "--quiet", "--accepted-findings", "missing.yaml"]) == 2
    assert capsys.readouterr().err == (
        "error: missing.yaml: no such file (give --accepted-findings FILE, or leave it out: "
        "groupfolders' own acceptances alone)\n"
    )
    assert not (tmp_path / "out").exists(), "refused before synthesizing"
    assert main(["check", "--outdir", "out", "--quiet", "--accepted-findings", "security"]) == 2
    assert capsys.readouterr().err == (
        "error: security: is a directory (give --accepted-findings FILE, or leave it out: "
        "groupfolders' own acceptances alone)\n"
    )
    (tmp_path / "security" / "accepted_findings.yaml").mkdir()
    assert main(["check", "--outdir", "out", "--quiet"]) == 2, "the default path, but not a file"
    assert capsys.readouterr().err.startswith("error: security/accepted_findings.yaml: is a directory")


def test_the_console_script_is_installed_beside_python():
    script = Path(sys.executable).parent / "groupfolders"
    assert script.is_file(), "run `make .venv/.installed`: it installs the project (pip install -e .)"
    result = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (0, f"groupfolders {__version__}\n")


def normalized(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", requirement.lower())


def test_pyproject_dependencies_are_the_pinned_runtime_requirements():
    """The base install and the synth extra, each pin as requirements.txt has it; the base holds
    none of cdktf, constructs or the bindings."""
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    runtime = {
        normalized(line) for line in (PROJECT / "requirements.txt").read_text().splitlines() if "==" in line
    }
    dependencies = [normalized(d) for d in pyproject["project"]["dependencies"]]
    synth = [normalized(d) for d in pyproject["project"]["optional-dependencies"]["synth"]]
    assert [d for d in [*dependencies, *synth] if d not in runtime] == []
    assert sorted(d.partition("==")[0] for d in synth) == ["cdktf", "cdktf-cdktf-provider-aws", "constructs"]
    assert [d for d in dependencies if d.startswith(("cdktf", "constructs", "jsii"))] == []
    assert pyproject["project"]["scripts"] == {"groupfolders": "groupfolders.modules.cli:run"}
    dev = (PROJECT / "requirements-dev.txt").read_text().splitlines()
    assert "-r requirements.txt" in dev
    assert [line for line in dev if normalized(line) in runtime] == [], "a runtime pin repeated"
    assert [line for line in dev if line and not line.startswith(("#", "-r")) and "==" not in line] == []


def test_pre_commit_hook_for_others_and_for_us_run_the_same_validate():
    (hook,) = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text())
    assert (hook["id"], hook["entry"], hook["language"], hook["pass_filenames"]) == (
        "groupfolders-validate",
        "groupfolders validate",
        "python",
        False,
    )
    (repo,) = yaml.safe_load((PROJECT / ".pre-commit-config.yaml").read_text())["repos"]
    (ours,) = repo["hooks"]
    assert (repo["repo"], ours["id"], ours["entry"]) == ("local", hook["id"], ".venv/bin/" + hook["entry"])


# --- the repository's own access levels and checks


def own_levels(repository: Path) -> Path:
    """A team's templates/policies: ours without `write`, and a `read` that may also write."""
    levels = repository / "templates" / "policies"
    shutil.copytree(PROJECT / "templates" / "policies", levels)
    (levels / "write.json.j2").unlink()
    (levels / "read.json.j2").write_text((levels / "readwrite-nodelete.json.j2").read_text())
    return levels


def test_templates_default_to_the_working_directorys_own(tmp_path: Path, monkeypatch, capsys):
    repository = own_repository(tmp_path)
    own_levels(repository)
    monkeypatch.chdir(repository)
    assert main(["validate", "--quiet"]) == 2
    problems = capsys.readouterr().err.splitlines()
    assert problems[1].endswith(
        "unknown access level 'write' (did you mean 'readwrite'?); known levels: list, read, readwrite, "
        "readwrite-nodelete"
    )
    assert main(["validate", "--quiet", "--templates", str(PROJECT / "templates" / "policies")]) == 0


def test_report_renders_with_the_given_templates(tmp_path: Path, monkeypatch, capsys):
    repository = own_repository(tmp_path)
    levels = own_levels(tmp_path / "elsewhere")
    environments = repository / "environments"
    groups = environments / "_groups.yaml"
    groups.write_text(
        groups.read_text()
        .replace("access: readwrite\n", "access: read\n")
        .replace("access: readwrite-nodelete", "access: read")
        .replace("access: write", "access: list")
    )
    monkeypatch.chdir(repository)
    assert main(["report", "--templates", str(levels), "--format", "json"]) == 0
    (dev,) = json.loads(capsys.readouterr().out)
    analysts = next(role for role in dev["roles"] if role["group"] == "analysts")
    assert analysts["folders"][0]["capabilities"] == ["list", "read", "write"]


def test_check_runs_the_rules_of_the_given_checks_directory(tmp_path: Path, monkeypatch):
    seen = {}

    def scan(outdir, environments, acceptances, checks, *, every_environment):
        seen["checks"] = checks
        seen["every_environment"] = every_environment
        raise cli.ScanError("stopped after the arguments")

    monkeypatch.setattr(cli, "scan", scan)
    ours = tmp_path / "checks"
    shutil.copytree(PROJECT / "checks", ours)
    arguments = ["--outdir", str(tmp_path / "out"), "--report-dir", str(tmp_path / "r")]
    assert main(["check", "--quiet", "--env", "dev", *arguments, "--checks-dir", str(ours)]) == 1
    assert seen == {"checks": ours, "every_environment": False}
    assert main(["check", "--quiet", *arguments]) == 1
    assert seen == {"checks": PROJECT / "checks", "every_environment": True}


def test_synth_reports_progress_for_each_environment(tmp_path: Path, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "SLOW_STEP_SECONDS", 0.0)  # every step shown, however fast
    assert main(["synth", "--env", "dev", "--env", "prod", "--outdir", str(tmp_path / "out")]) == 0
    lines = terminal.getvalue().splitlines()
    assert all(PROGRESS.fullmatch(line) for line in lines)
    assert [line for line in lines if line.endswith(" ...")] == [
        "validating environments ...",
        f"synthesizing dev, prod into {tmp_path / 'out'} ...",
        "  building the stack of dev ...",
        "  building the stack of prod ...",
        "  writing the stacks ...",
    ]


@pytest.mark.parametrize(
    ("option", "make", "message"),
    [
        ("--templates", None, "{path} is not a directory: name the access levels' directory"),
        (
            "--templates",
            "empty",
            "{path} holds no access level (<level>.json.j2): name the access levels' directory",
        ),
        ("--checks-dir", None, "{path} is not a directory: name a directory of checkov rules"),
        ("--checks-dir", "empty", "{path} holds no checkov rule (*.py): name a directory of checkov rules"),
    ],
)
def test_a_templates_or_checks_directory_that_cannot_serve_is_refused(
    tmp_path: Path, capsys, option, make, message
):
    """checkov skips a missing --external-checks-dir in silence: our rules would be off and the gate green."""
    path = tmp_path / "given"
    if make == "empty":
        path.mkdir()
    arguments = ["--outdir", str(tmp_path / "out"), "--report-dir", str(tmp_path / "r"), option, str(path)]
    assert main(["check", "--quiet", "--env", "dev", *arguments]) == 2
    problem = message.format(path=path)
    assert capsys.readouterr().err == f"1 configuration problem(s):\n  {option}: {problem}\n"
    assert not (tmp_path / "out").exists()


def test_synth_renders_a_teams_own_level(tmp_path: Path):
    """validate, the documents and the client_config output all read the same --templates."""
    levels = tmp_path / "levels"
    shutil.copytree(PROJECT / "templates" / "policies", levels)
    shutil.copy(levels / "read.json.j2", levels / "audit.json.j2")
    environments = tmp_path / "environments"
    shutil.copytree(EXAMPLES, environments)
    groups = environments / "_groups.yaml"
    groups.write_text(groups.read_text().replace("access: read\n", "access: audit\n", 1))
    outdir = tmp_path / "out"
    arguments = ["--environments", str(environments), "--templates", str(levels), "--outdir", str(outdir)]
    assert main(["synth", "--quiet", "--env", "dev", *arguments]) == 0
    stack = json.loads((outdir / "stacks" / "dev" / "cdk.tf.json").read_text())
    config = stack["output"]["client_config"]["value"]
    assert config["custom"]["groupfolders"]["groups"]["analysts"]["access"] == "audit"
