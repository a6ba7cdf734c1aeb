"""The output directory at the command line: refusals exit 2 in one line before anything is
synthesized, Terraform's working files survive every synth (the `cdktf deploy` flow), and a synth
killed or interrupted in the middle leaves the previous output intact."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from modules.cli import main
from modules.output_dir import LOCK, MARKER
from tests.conftest import PROJECT, tree

OWN = "groupfolders rewrites its output directory, so name a directory of its own"


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, list[str]]:
    """`main` with --quiet after the command: stderr holds only what went wrong."""
    code = main([arguments[0], "--quiet", *arguments[1:]])
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["synth", "--outdir", "."], f"{PROJECT} is the working directory: {OWN}"),
        (["synth", "--outdir", ""], "--outdir is empty: name a directory, e.g. --outdir cdktf.out"),
        (
            ["synth", "--outdir", "environments"],
            f"{PROJECT}/environments is the environments directory: {OWN}",
        ),
        (["synth", "--outdir", "main.py"], f"{PROJECT}/main.py is a file, not a directory: name a directory"),
        (["check", "--report-dir", ""], "--report-dir is empty: name a directory, e.g. --report-dir reports"),
        (["check", "--report-dir", "/"], f"/ holds the working directory: {OWN}"),
    ],
)
def test_a_directory_that_is_not_ours_to_replace_exits_2_in_one_line(capsys, tmp_path, arguments, message):
    if arguments[0] == "check":
        arguments = [*arguments, "--outdir", str(tmp_path / "out")]
    assert run(capsys, *arguments, "--env", "dev") == (2, [f"error: {message}"])
    assert list(tmp_path.iterdir()) == []


def test_an_empty_cdktf_outdir_is_an_error_not_the_working_directory(capsys, monkeypatch):
    monkeypatch.setenv("CDKTF_OUTDIR", "")
    assert run(capsys, "synth", "--env", "dev") == (
        2,
        ["error: CDKTF_OUTDIR is empty: name a directory, e.g. CDKTF_OUTDIR=cdktf.out"],
    )


def test_outdir_refuses_a_directory_holding_a_file_it_did_not_write(capsys, tmp_path: Path, example_out):
    outdir = tmp_path / "out"
    shutil.copytree(example_out, outdir)
    (outdir / "stacks" / "dev" / "main.tf").write_text("# mine")
    before = tree(outdir)
    assert run(capsys, "synth", "--outdir", str(outdir), "--env", "dev") == (
        2,
        [
            f"error: {outdir} holds stacks/dev/main.tf, which groupfolders did not write: "
            "move it away or name another directory"
        ],
    )
    assert tree(outdir) == before
    (outdir / "stacks" / "dev" / "main.tf").unlink()
    assert run(capsys, "synth", "--outdir", str(outdir), "--env", "dev") == (0, [])
    assert sorted(tree(outdir)) == [
        MARKER,
        LOCK,
        "manifest.json",
        "stacks/dev/cdk.tf.json",
        "stacks/dev/versions.tf",
    ]


# What `cdktf deploy <env>` / `terraform -chdir=cdktf.out/stacks/<env> init && apply` leave behind.
TERRAFORM_FILES = {
    "stacks/{env}/.terraform/providers/registry.terraform.io/hashicorp/aws/6.25.0/linux_amd64/x": "provider",
    "stacks/{env}/.terraform.lock.hcl": 'provider "registry.terraform.io/hashicorp/aws" {}',
    "stacks/{env}/terraform.{env}.tfstate": '{"serial": 7}',
    "stacks/{env}/terraform.{env}.tfstate.backup": '{"serial": 6}',
}


def deployed(outdir: Path, *environments: str) -> dict[str, bytes]:
    """Fake what Terraform writes into each environment's stack directory; returns those files."""
    files = {}
    for environment in environments:
        for pattern, text in TERRAFORM_FILES.items():
            name = pattern.format(env=environment)
            (outdir / name).parent.mkdir(parents=True, exist_ok=True)
            (outdir / name).write_text(text)
            files[name] = text.encode()
    return files


def test_cdktf_synth_twice_with_terraform_init_in_between_keeps_terraform_files(tmp_path: Path):
    outdir = tmp_path / "cdktf.out"
    environment = {**os.environ, "CDKTF_OUTDIR": str(outdir)}  # what `cdktf synth` / `deploy` run

    def synth() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "main.py", "synth", "--quiet"]
        return subprocess.run(
            command, cwd=PROJECT, env=environment, capture_output=True, text=True, check=False
        )

    first = synth()
    assert (first.returncode, first.stderr) == (0, "")
    ours = tree(outdir)
    kept = deployed(outdir, "dev", "prod")
    second = synth()
    assert (second.returncode, second.stderr, second.stdout) == (0, "", first.stdout)
    assert tree(outdir) == {**ours, **kept}, "the same output, and Terraform's files byte-identical"


def test_a_stack_not_synthesized_loses_its_stack_and_keeps_its_state(capsys, tmp_path: Path, example_out):
    outdir = tmp_path / "out"
    shutil.copytree(example_out, outdir)
    kept = deployed(outdir, "dev", "prod")
    assert main(["synth", "--quiet", "--outdir", str(outdir), "--env", "dev"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"prod: not synthesized, no cdk.tf.json; {outdir / 'stacks' / 'prod'} keeps Terraform's "
        ".terraform, .terraform.lock.hcl, terraform.prod.tfstate, terraform.prod.tfstate.backup"
    )
    written = [MARKER, LOCK, "manifest.json", "stacks/dev/cdk.tf.json", "stacks/dev/versions.tf"]
    assert sorted(tree(outdir)) == sorted([*written, *kept]), (
        "staging and union had no Terraform files: gone whole"
    )
    assert {name: (outdir / name).read_bytes() for name in kept} == kept
    assert main(["synth", "--quiet", "--outdir", str(outdir), "--env", "dev", "--env", "prod"]) == 0
    assert "not synthesized" not in capsys.readouterr().out
    assert (outdir / "stacks" / "prod" / "cdk.tf.json").is_file()


def test_check_refuses_a_report_directory_it_did_not_write_before_synthesizing(capsys, tmp_path: Path):
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "index.html").write_text("mine")
    assert run(
        capsys,
        "check",
        "--outdir",
        str(tmp_path / "out"),
        "--report-dir",
        str(tmp_path / "reports"),
        "--env",
        "dev",
    ) == (
        2,
        [
            f"error: {tmp_path / 'reports'} holds index.html, which groupfolders did not write: "
            "move it away or name another directory"
        ],
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"], "nothing was synthesized"


def test_an_unwritable_parent_exits_2_in_one_line(capsys, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    assert run(capsys, "synth", "--outdir", str(tmp_path / "out"), "--env", "dev") == (
        2,
        [f"error: cannot write {tmp_path / 'out'} (Permission denied): name a directory you can write to"],
    )


# --- killed in the middle


def staging_appears(parent: Path, process: subprocess.Popen[str]) -> None:
    """Wait until the synth has started writing beside the output (a hang guard, not a timing test)."""
    deadline = time.monotonic() + 600
    while not [p for p in parent.iterdir() if p.name.startswith(".out.")]:
        assert process.poll() is None, f"synth ended before it was stopped: {process.communicate()}"
        assert time.monotonic() < deadline, "synth never started writing"
        time.sleep(0.01)


@pytest.mark.parametrize(
    "stopped",
    [
        (signal.SIGKILL, -signal.SIGKILL, ""),
        (signal.SIGINT, 130, "interrupted: no output directory was left half-written\n"),  # Ctrl-C
    ],
)
def test_a_synth_stopped_in_the_middle_leaves_the_previous_output_intact(
    tmp_path: Path, capsys, example_out, stopped: tuple[signal.Signals, int, str]
):
    stop, code, stderr = stopped
    outdir = tmp_path / "out"
    shutil.copytree(example_out, outdir)  # every environment; the stopped run writes only dev
    before = tree(outdir)
    synth = subprocess.Popen(
        [sys.executable, "main.py", "synth", "--quiet", "--outdir", str(outdir), "--env", "dev"],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group, as a terminal's Ctrl-C reaches it
    )
    staging_appears(tmp_path, synth)
    os.killpg(synth.pid, stop)
    _, error = synth.communicate(timeout=600)
    assert (synth.returncode, error) == (code, stderr)
    assert tree(outdir) == before
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "out")

    assert run(capsys, "synth", "--outdir", str(outdir), "--env", "dev") == (0, [])
    assert sorted(p.name for p in (outdir / "stacks").iterdir()) == ["dev"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "out") == left, (
        "a leftover is not proven ours"
    )
