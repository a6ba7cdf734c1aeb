"""The command-line contract that CI drives: commands, exit codes, nothing written on error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modules.cli import main
from tests.conftest import BAD_INPUTS, EXAMPLES, PROJECT, tree

VALIDATE_IN_A_FRESH_PROCESS = (
    "import sys\n"
    "from modules.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "assert not [m for m in sys.modules if m.startswith(('cdktf', 'jsii'))], 'validate imported cdktf'\n"
    "sys.exit(code)\n"
)


def run_validate(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", VALIDATE_IN_A_FRESH_PROCESS, "validate", "--quiet", *arguments],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_validate_examples_never_imports_cdktf():
    """Speed is `make bench`'s to measure (a timed test flaps on a loaded machine); what keeps
    validate fast is that it never loads cdktf or jsii, which this asserts."""
    result = run_validate("--environments", "environments")
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "4 environment(s) valid: dev, prod, staging, union\n",
        "",
    )


def test_validate_invalid_configuration_exits_2_with_every_problem():
    result = run_validate(
        "--environments", "tests/bad_inputs", "--env", "prefixes-overlap", "--env", "app-missing"
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "2 configuration problem(s):",
        "  tests/bad_inputs/app-missing.yaml: app: is required",
        "  tests/bad_inputs/prefixes-overlap.yaml:5:61: groups[1].prefixes[0]: 'fin/reports/' overlaps 'fin/' of "
        "group 'fin'; each folder must belong to exactly one place",
    ]


def test_wrong_command_line_exits_1(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["validate", "--no-such-flag"])
    assert caught.value.code == 1
    assert "unrecognized arguments: --no-such-flag" in capsys.readouterr().err


def test_invalid_configuration_writes_nothing(tmp_path: Path, capsys):
    outdir = tmp_path / "out"
    outdir.mkdir()
    (outdir / "previous.txt").write_text("kept")
    assert main(["synth", "--environments", str(BAD_INPUTS), "--outdir", str(outdir)]) == 2
    assert [p.name for p in outdir.iterdir()] == ["previous.txt"]
    assert main(["synth", "--environments", str(BAD_INPUTS), "--outdir", str(tmp_path / "new")]) == 2
    assert not (tmp_path / "new").exists()
    assert "configuration problem(s):" in capsys.readouterr().err


def test_synth_replaces_the_output_and_prints_a_summary(tmp_path: Path, capsys, example_out):
    outdir = tmp_path / "out"
    shutil.copytree(example_out, outdir)  # an earlier synth of every environment
    assert main(["synth", "--environments", str(EXAMPLES), "--outdir", str(outdir), "--env", "staging"]) == 0
    assert sorted(p.name for p in (outdir / "stacks").iterdir()) == ["staging"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no staging directory is left behind"
    summary = capsys.readouterr().out.splitlines()
    assert summary[0] == f"staging: 4 groups, 34 resources -> {outdir}/stacks/staging/cdk.tf.json"
    assert summary[3].split() == [
        "finance",
        "readwrite-nodelete",
        "groupfolders-demo-staging-finance",
        "finance/reports/,",
        "finance/invoices/",
    ]


def test_no_arguments_synthesizes_every_example_into_cdktf_outdir(tmp_path: Path, monkeypatch, example_out):
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "cdktf.out"))
    assert main([]) == 0
    assert sorted(p.name for p in (tmp_path / "cdktf.out" / "stacks").iterdir()) == [
        "dev",
        "prod",
        "staging",
        "union",
    ]
    assert (tmp_path / "cdktf.out" / "manifest.json").is_file()


def test_a_synth_failing_after_validation_exits_1_and_keeps_the_previous_output(
    tmp_path: Path, monkeypatch, capsys, example_out
):
    from cdktf import App  # noqa: PLC0415 - example_out has paid the import

    outdir = tmp_path / "out"
    shutil.copytree(example_out, outdir)
    before = tree(outdir)
    synth = App.synth

    def synth_then_fail(app: App) -> None:
        synth(app)  # every stack is written; then the disk fills up
        raise RuntimeError("disk full")

    monkeypatch.setattr(App, "synth", synth_then_fail)
    assert main(["synth", "--environments", str(EXAMPLES), "--outdir", str(outdir), "--env", "dev"]) == 1
    assert "RuntimeError: disk full" in capsys.readouterr().err
    assert tree(outdir) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no staging directory is left behind"
