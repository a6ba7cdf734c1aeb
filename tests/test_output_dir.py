"""Output directories are rewritten only when groupfolders wrote them, and Terraform's working files
in them are kept in place: each refusal with its exact message, beside the case that is accepted;
a commit killed after any number of renames is completed by the next run."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from modules import output_dir
from modules.output_dir import LOCK, MARKER, NEXT, OutputDirError, check, chosen, replace, terraform_files
from modules.scan import ScanResult, write_check_reports
from tests.conftest import PROJECT, tree

FOREIGN = "move it away or name another directory"
OWN = "groupfolders rewrites its output directory, so name a directory of its own"


def writer(files: dict[str, str]) -> Callable[[Path], None]:
    def write(staging: Path) -> None:
        for name, text in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)

    return write


@pytest.fixture
def ours(tmp_path: Path) -> Path:
    """An earlier output of ours: manifest.json and stacks/dev/cdk.tf.json, with the marker."""
    replace(tmp_path / "out", writer({"manifest.json": "{}", "stacks/dev/cdk.tf.json": "dev"}))
    return tmp_path / "out"


# What `terraform init/plan/apply` (and `cdktf deploy dev`) leave in a stack's directory.
TERRAFORM_FILES = {
    "stacks/dev/.terraform/providers/registry.terraform.io/hashicorp/aws/6.25.0/linux_amd64/x": "provider",
    "stacks/dev/.terraform/terraform.tfstate": '{"backend": {"type": "local"}}',
    "stacks/dev/.terraform.lock.hcl": "provider hashicorp/aws",
    "stacks/dev/terraform.dev.tfstate": '{"serial": 7}',
    "stacks/dev/terraform.dev.tfstate.backup": '{"serial": 6}',
    "stacks/dev/terraform.dev.tfstate.1700000000.backup": '{"serial": 5}',
    "stacks/dev/.terraform.dev.tfstate.lock.info": '{"ID": "x"}',
    "stacks/dev/terraform.tfstate": "{}",
    "stacks/dev/terraform.tfstate.d/staging/terraform.tfstate": "{}",
    "stacks/dev/plan.tfplan": "plan",
}
TERRAFORM_NAMES = [
    "stacks/dev/.terraform",
    "stacks/dev/.terraform.dev.tfstate.lock.info",
    "stacks/dev/.terraform.lock.hcl",
    "stacks/dev/plan.tfplan",
    "stacks/dev/terraform.dev.tfstate",
    "stacks/dev/terraform.dev.tfstate.1700000000.backup",
    "stacks/dev/terraform.dev.tfstate.backup",
    "stacks/dev/terraform.tfstate",
    "stacks/dev/terraform.tfstate.d",
]


def add(directory: Path, files: dict[str, str]) -> None:
    writer(files)(directory)


def refusal(directory: Path, environments: Path | None = None) -> str:
    with pytest.raises(OutputDirError) as raised:
        check(directory, environments)
    return str(raised.value)


# --- choosing a directory


def test_an_empty_name_is_refused_never_the_working_directory():
    assert chosen("--outdir", "out", "cdktf.out") == Path("out")
    for value in ("", "  "):
        with pytest.raises(
            OutputDirError, match=r"^--outdir is empty: name a directory, e\.g\. --outdir cdktf\.out$"
        ):
            chosen("--outdir", value, "cdktf.out")
    with pytest.raises(
        OutputDirError, match=r"^CDKTF_OUTDIR is empty: name a directory, e\.g\. CDKTF_OUTDIR=cdktf\.out$"
    ):
        chosen("CDKTF_OUTDIR", "", "cdktf.out")


# --- what is written


def test_a_new_directory_gets_what_was_written_and_a_marker_listing_it(tmp_path: Path):
    replace(tmp_path / "deep" / "out", writer({"manifest.json": "{}", "stacks/dev/cdk.tf.json": "dev"}))
    out = tmp_path / "deep" / "out"
    assert sorted(tree(out)) == [MARKER, LOCK, "manifest.json", "stacks/dev/cdk.tf.json"]
    marker = json.loads((out / MARKER).read_text())
    assert marker == {
        "written_by": "groupfolders",
        "files": {
            "manifest.json": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "stacks/dev/cdk.tf.json": "ef260e9aa3c673af240d17a2660480361a8e081d1ffeca2a5ed0e3219fc18567",
        },
    }
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["out"], "no staging left beside"


def test_our_own_output_is_replaced_by_the_new_one(ours: Path):
    replace(ours, writer({"manifest.json": "[]", "stacks/prod/cdk.tf.json": "prod"}))
    assert sorted(tree(ours)) == [MARKER, LOCK, "manifest.json", "stacks/prod/cdk.tf.json"]
    assert sorted(p.name for p in ours.parent.iterdir()) == ["out"]


def test_our_output_with_a_file_deleted_by_hand_is_still_ours(ours: Path):
    (ours / "manifest.json").unlink()
    assert check(ours) == ours
    replace(ours, writer({"manifest.json": "[]"}))
    assert sorted(tree(ours)) == [MARKER, LOCK, "manifest.json"]


def test_an_empty_directory_is_replaced(tmp_path: Path):
    (tmp_path / "out").mkdir()
    replace(tmp_path / "out", writer({"manifest.json": "{}"}))
    assert sorted(tree(tmp_path / "out")) == [MARKER, LOCK, "manifest.json"]


# --- what is refused


def test_a_directory_with_a_file_we_did_not_write_is_refused_and_kept(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert refusal(out) == f"{out} holds notes.txt, which groupfolders did not write: {FOREIGN}"
    with pytest.raises(OutputDirError):
        replace(out, writer({"manifest.json": "{}"}))
    assert tree(out) == {"notes.txt": b"mine"}


@pytest.mark.parametrize(
    ("added", "name"),
    [
        ("stacks/dev/notes.txt", "stacks/dev/notes.txt"),
        ("stacks/dev/main.tf", "stacks/dev/main.tf"),
        ("stacks/prod/", "stacks/prod"),
        ("terraform.tfstate", "terraform.tfstate"),  # Terraform's only in a stack's directory
        ("stacks/.terraform/x", "stacks/.terraform"),
        ("stacks/dev/state/dev.tfstate", "stacks/dev/state"),  # and only directly in it
        ("stacks/dev/tfstate", "stacks/dev/tfstate"),
    ],
)
def test_our_output_with_anything_else_added_is_refused_and_kept(ours: Path, added: str, name: str):
    path = ours / added
    if added.endswith("/"):
        path.mkdir()
    else:
        add(ours, {added: "mine"})
    before = tree(ours)
    assert refusal(ours) == f"{ours} holds {name}, which groupfolders did not write: {FOREIGN}"
    with pytest.raises(OutputDirError):
        replace(ours, writer({"manifest.json": "{}"}))
    assert tree(ours) == before


# --- Terraform's working files


def test_terraform_files_in_a_stack_survive_a_new_output_byte_identical(ours: Path, tmp_path: Path):
    add(ours, TERRAFORM_FILES)
    (ours / "stacks/dev/.terraform/modules").symlink_to(tmp_path)  # never followed
    assert check(ours) == ours
    assert terraform_files(ours) == TERRAFORM_NAMES
    replace(
        ours, writer({"manifest.json": "[]", "stacks/dev/cdk.tf.json": "dev 2", "stacks/dev/assets/a": "a"})
    )
    assert tree(ours) == {
        **{name: text.encode() for name, text in TERRAFORM_FILES.items()},
        MARKER: (ours / MARKER).read_bytes(),
        LOCK: b"",
        "manifest.json": b"[]",
        "stacks/dev/cdk.tf.json": b"dev 2",
        "stacks/dev/assets/a": b"a",
    }
    assert (ours / "stacks/dev/.terraform/modules").readlink() == tmp_path
    assert sorted(json.loads((ours / MARKER).read_text())["files"]) == [
        "manifest.json",
        "stacks/dev/assets/a",
        "stacks/dev/cdk.tf.json",
    ], "Terraform's files are never listed as ours"
    assert sorted(p.name for p in ours.parent.iterdir()) == ["out"]


def test_terraform_files_do_not_make_a_directory_without_our_marker_ours(tmp_path: Path):
    out = tmp_path / "out"
    add(out, {"stacks/dev/.terraform/x": "provider"})
    assert refusal(out) == f"{out} holds stacks, which groupfolders did not write: {FOREIGN}"
    add(out, {MARKER: '{"files": {}}'})
    assert check(out) == out


def test_a_stack_no_longer_written_keeps_its_state_and_loses_its_stack(ours: Path):
    add(ours, {"stacks/dev/terraform.dev.tfstate": '{"serial": 7}', "stacks/dev/.terraform/x": "provider"})
    replace(ours, writer({"manifest.json": "[]", "stacks/prod/cdk.tf.json": "prod"}))
    assert sorted(tree(ours)) == [
        MARKER,
        LOCK,
        "manifest.json",
        "stacks/dev/.terraform/x",
        "stacks/dev/terraform.dev.tfstate",
        "stacks/prod/cdk.tf.json",
    ]
    assert (ours / "stacks/dev/terraform.dev.tfstate").read_text() == '{"serial": 7}'
    replace(ours, writer({"manifest.json": "[]"}))  # a directory holding only state is still ours
    assert sorted(tree(ours)) == [
        MARKER,
        LOCK,
        "manifest.json",
        "stacks/dev/.terraform/x",
        "stacks/dev/terraform.dev.tfstate",
    ]


def test_a_stack_no_longer_written_without_terraform_files_is_removed(ours: Path):
    replace(ours, writer({"manifest.json": "[]", "stacks/prod/cdk.tf.json": "prod"}))
    assert sorted(p.name for p in (ours / "stacks").iterdir()) == ["prod"]


def test_an_output_that_would_overwrite_a_terraform_file_is_refused(ours: Path):
    add(ours, {"stacks/dev/.terraform.lock.hcl": "lock"})
    before = tree(ours)
    with pytest.raises(
        OutputDirError,
        match=r"^the output would overwrite stacks/dev/\.terraform\.lock\.hcl, which belongs to Terraform: "
        r"report a bug$",
    ):
        replace(ours, writer({"stacks/dev/.terraform.lock.hcl": "ours"}))
    assert tree(ours) == before
    replace(ours, writer({"stacks/dev/terraform.lock.hcl": "ours"}))  # not a name Terraform uses
    assert (ours / "stacks/dev/.terraform.lock.hcl").read_text() == "lock"


def test_a_file_of_ours_changed_by_hand_is_refused(ours: Path):
    (ours / "stacks" / "dev" / "cdk.tf.json").write_text("edited")
    assert (
        refusal(ours)
        == f"{ours} holds stacks/dev/cdk.tf.json, changed since groupfolders wrote it: {FOREIGN}"
    )
    (ours / "stacks" / "dev" / "cdk.tf.json").unlink()
    (ours / "stacks" / "dev" / "cdk.tf.json").symlink_to(ours / "manifest.json")
    assert (
        refusal(ours)
        == f"{ours} holds stacks/dev/cdk.tf.json, changed since groupfolders wrote it: {FOREIGN}"
    )


@pytest.mark.parametrize("name", [MARKER, NEXT])
@pytest.mark.parametrize("marker", ["not json", '{"files": ["manifest.json"]}', '{"files": {"a": 1}}', "{}"])
def test_a_marker_we_did_not_write_proves_nothing(ours: Path, name: str, marker: str):
    (ours / name).write_text(marker)
    assert refusal(ours) == f"{ours} holds {name}, which groupfolders did not write: {FOREIGN}"


@pytest.mark.parametrize(
    "listed",
    ["../victim.txt", "{absolute}", "stacks/../../victim.txt", "./manifest.json", "stacks//dev", "a\\b"],
)
def test_a_marker_naming_a_path_outside_the_directory_proves_nothing(tmp_path: Path, listed: str):
    """Else the next run would delete that file (its digest matches) as output it no longer writes."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    digest = hashlib.sha256(b"precious").hexdigest()
    name = listed.format(absolute=victim)
    (out / MARKER).write_text(json.dumps({"files": {name: digest}}))
    with pytest.raises(OutputDirError, match=f"holds {MARKER}, which groupfolders did not write"):
        replace(out, writer({"manifest.json": "{}"}))
    assert victim.read_text() == "precious"


def test_a_marker_listing_a_terraform_file_proves_nothing(ours: Path):
    """State is never ours to delete, even when a marker says so."""
    state = ours / "stacks" / "dev" / "terraform.dev.tfstate"
    state.write_text("state")
    marker = json.loads((ours / MARKER).read_text())
    marker["files"]["stacks/dev/terraform.dev.tfstate"] = hashlib.sha256(b"state").hexdigest()
    (ours / MARKER).write_text(json.dumps(marker))
    assert refusal(ours) == f"{ours} holds {MARKER}, which groupfolders did not write: {FOREIGN}"
    assert state.read_text() == "state"


def test_a_marker_alone_that_is_not_ours_is_kept(tmp_path: Path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / MARKER).write_text("someone else's")
    with pytest.raises(OutputDirError):
        replace(tmp_path / "out", writer({"manifest.json": "{}"}))
    assert tree(tmp_path / "out") == {MARKER: b"someone else's"}


def test_a_file_or_a_symbolic_link_is_refused(ours: Path, tmp_path: Path):
    (tmp_path / "file").write_text("x")
    assert refusal(tmp_path / "file") == f"{tmp_path / 'file'} is a file, not a directory: name a directory"
    assert (
        refusal(tmp_path / "file" / "out")
        == f"{tmp_path / 'file'} is a file, not a directory: name a directory"
    )
    (tmp_path / "link").symlink_to(ours)
    assert refusal(tmp_path / "link") == f"{tmp_path / 'link'} is a symbolic link: name a real directory"
    assert check(ours) == ours


def test_the_working_directory_and_its_parents_are_refused(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    assert check(Path("out")) == tmp_path / "out"
    assert refusal(Path(".")) == f"{tmp_path} is the working directory: {OWN}"
    assert refusal(Path("")) == f"{tmp_path} is the working directory: {OWN}"
    assert refusal(Path("/")) == f"/ holds the working directory: {OWN}"
    assert refusal(Path("..")) == f"{tmp_path.parent} holds the working directory: {OWN}"


def test_the_project_home_and_environments_directories_are_refused(tmp_path: Path, monkeypatch):
    """The project sits apart from the working directory, wherever the checkout is (a clone in
    /tmp must not make its parent "hold the working directory" first)."""
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert refusal(PROJECT) == f"{PROJECT} is the project directory: {OWN}"
    project = tmp_path / "checkouts" / "groupfolders"
    project.mkdir(parents=True)
    monkeypatch.setattr(output_dir, "PROJECT", project)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    environments = tmp_path / "repo" / "environments"
    environments.mkdir(parents=True)
    assert refusal(project) == f"{project} is the project directory: {OWN}"
    assert refusal(project.parent) == f"{project.parent} holds the project directory: {OWN}"
    assert refusal(tmp_path / "home") == f"{tmp_path / 'home'} is the home directory: {OWN}"
    assert refusal(environments, environments) == f"{environments} is the environments directory: {OWN}"
    assert (
        refusal(environments.parent, environments)
        == f"{environments.parent} holds the environments directory: {OWN}"
    )
    assert check(tmp_path / "repo" / "cdktf.out", environments) == tmp_path / "repo" / "cdktf.out"


def test_an_unwritable_place_is_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(output_dir.os, "access", lambda path, mode: Path(path) != tmp_path)
    assert (
        refusal(tmp_path / "out")
        == f"cannot write {tmp_path / 'out'} (Permission denied): name a directory you can write to"
    )
    (tmp_path / "writable").mkdir()
    assert check(tmp_path / "writable" / "out") == tmp_path / "writable" / "out"


def test_a_place_that_turns_out_unwritable_is_refused_in_one_line(tmp_path: Path, monkeypatch):
    def denied(**_: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(output_dir.tempfile, "mkdtemp", denied)
    with pytest.raises(
        OutputDirError,
        match=r"^cannot write .*/out \(Permission denied\): name a directory you can write to$",
    ):
        replace(tmp_path / "out", writer({"manifest.json": "{}"}))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_parent_is_refused(tmp_path: Path):
    (tmp_path / "ro").mkdir(mode=0o555)
    assert (
        refusal(tmp_path / "ro" / "out")
        == f"cannot write {tmp_path / 'ro' / 'out'} (Permission denied): name a directory you can write to"
    )


# --- failures and interrupted runs


def test_a_failed_write_leaves_the_previous_output_byte_identical(ours: Path):
    before = tree(ours)

    def fail(staging: Path) -> None:
        (staging / "manifest.json").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        replace(ours, fail)
    assert tree(ours) == before
    assert sorted(p.name for p in ours.parent.iterdir()) == ["out"]


def test_a_file_that_arrives_while_writing_stops_the_commit(ours: Path):
    def meanwhile(staging: Path) -> None:
        (staging / "manifest.json").write_text("new")
        (ours / "terraform.tfstate").write_text("state")

    with pytest.raises(OutputDirError, match=r"holds terraform\.tfstate, which groupfolders did not write"):
        replace(ours, meanwhile)
    assert (ours / "terraform.tfstate").read_text() == "state"
    assert (ours / "manifest.json").read_text() == "{}"


class Killed(BaseException):
    """What SIGKILL does to the commit, minus the staging directory it would leave behind."""


def killed_after(renames: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.replace succeeds `renames` times, then the run dies."""
    done = [0]
    rename = os.replace

    def replace_or_die(source: Path, destination: Path) -> None:
        if done[0] == renames:
            raise Killed
        done[0] += 1
        rename(source, destination)

    monkeypatch.setattr(output_dir.os, "replace", replace_or_die)


OLD = {"manifest.json": "old", "stacks/dev/cdk.tf.json": "dev 1", "stacks/gone/cdk.tf.json": "gone"}
NEW = {"manifest.json": "new", "stacks/dev/cdk.tf.json": "dev 2", "stacks/prod/cdk.tf.json": "prod"}
LAST = {"manifest.json": "last", "stacks/dev/cdk.tf.json": "dev 3", "stacks/prod/cdk.tf.json": "prod 3"}
STATE = {"stacks/dev/terraform.dev.tfstate": "dev state", "stacks/gone/terraform.gone.tfstate": "gone state"}


@pytest.mark.parametrize("second", [None, 0, 1, 2, 3, 4])
@pytest.mark.parametrize("first", [0, 1, 2, 3, 4])  # NEXT, three files, MARKER
def test_a_commit_killed_after_any_rename_is_completed_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: int, second: int | None
):
    out = tmp_path / "out"
    replace(out, writer(OLD))
    add(out, STATE)
    with monkeypatch.context() as patch:
        killed_after(first, patch)
        with pytest.raises(Killed):
            replace(out, writer(NEW))
    assert check(out) == out, "what a killed commit leaves is ours"
    if second is not None:  # killed again, while settling (0) or committing
        with monkeypatch.context() as patch:
            killed_after(second, patch)
            with pytest.raises(Killed):
                replace(out, writer(LAST))
        assert check(out) == out
    replace(out, writer(LAST))
    assert tree(out) == {
        MARKER: (out / MARKER).read_bytes(),
        LOCK: b"",
        **{name: text.encode() for name, text in {**LAST, **STATE}.items()},
    }
    assert json.loads((out / MARKER).read_text())["files"].keys() == LAST.keys()


def test_a_commit_killed_in_the_middle_leaves_files_of_either_output_and_both_markers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "out"
    replace(out, writer(OLD))
    add(out, STATE)
    killed_after(2, monkeypatch)  # NEXT and manifest.json
    with pytest.raises(Killed):
        replace(out, writer(NEW))
    assert tree(out) == {
        MARKER: (out / MARKER).read_bytes(),
        LOCK: b"",
        NEXT: (out / NEXT).read_bytes(),
        "manifest.json": b"new",
        "stacks/dev/cdk.tf.json": b"dev 1",
        **{name: text.encode() for name, text in STATE.items()},
    }, "gone/cdk.tf.json is deleted before the new files move in; its state stays"
    assert json.loads((out / NEXT).read_text())["files"].keys() == NEW.keys()


def test_a_first_output_killed_in_the_middle_is_ours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    killed_after(1, monkeypatch)  # only NEXT
    with pytest.raises(Killed):
        replace(tmp_path / "out", writer(NEW))
    assert sorted(tree(tmp_path / "out")) == [LOCK, NEXT]
    assert check(tmp_path / "out") == tmp_path / "out"


def test_ctrl_c_during_the_commit_waits_until_it_is_complete(ours: Path, monkeypatch: pytest.MonkeyPatch):
    rename = os.replace

    def interrupted(source: Path, destination: Path) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # held until the commit is done
        rename(source, destination)

    monkeypatch.setattr(output_dir.os, "replace", interrupted)
    done = threading.Event()
    other = threading.Thread(target=done.wait)  # as the jsii kernel's: the signal may land there
    other.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            replace(ours, writer(NEW))
    finally:
        done.set()
        other.join()
    assert tree(ours) == {
        MARKER: (ours / MARKER).read_bytes(),
        LOCK: b"",
        **{n: t.encode() for n, t in NEW.items()},
    }


def test_a_staging_directory_left_by_a_killed_run_is_harmless(ours: Path, tmp_path: Path):
    leftover = tmp_path / ".out.k1ll3d00"
    (leftover / "stacks").mkdir(parents=True)
    replace(ours, writer({"manifest.json": "new"}))
    assert (ours / "manifest.json").read_text() == "new"
    assert leftover.is_dir(), "not proven ours, so not deleted"


# --- reports follow the same rules


def test_reports_replace_their_own_directory_and_nothing_else(tmp_path: Path):
    result = ScanResult(findings=(), passed=0, unused=(), checkov_version="3")
    assert write_check_reports(result, tmp_path / "reports") == (
        tmp_path / "reports" / "check.json",
        tmp_path / "reports" / "check.sarif",
    )
    write_check_reports(result, tmp_path / "reports")
    assert sorted(tree(tmp_path / "reports")) == [MARKER, LOCK, "check.json", "check.sarif"]
    (tmp_path / "reports" / "summary.html").write_text("mine")
    with pytest.raises(
        OutputDirError, match=r"reports holds summary\.html, which groupfolders did not write"
    ):
        write_check_reports(result, tmp_path / "reports")
    assert (tmp_path / "reports" / "summary.html").read_text() == "mine"


# --- two runs on one directory take turns; a killed one leaves what the next repairs

# One run, as a separate process: replace(OUT, 60 stacks all holding NAME); with READY given, it
# says it has written its staging directory and waits for GO, so that every commit starts at once.
RUN = """
import os, signal, sys, time
from pathlib import Path
from modules import output_dir
out, name, ready, go, die_after = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
def write(staging):
    for index in range(60):
        (staging / "stacks" / f"s{index}").mkdir(parents=True)
        (staging / "stacks" / f"s{index}" / "cdk.tf.json").write_text(name)
    if ready:
        Path(ready).touch()
        while not Path(go).exists():
            time.sleep(0.001)
rename, done = os.replace, [0]
def replace_or_die(source, destination):
    if done[0] == die_after:
        os.kill(os.getpid(), signal.SIGKILL)
    done[0] += 1
    rename(source, destination)
output_dir.os.replace = replace_or_die
output_dir.replace(out, write)
"""


def start_run(out: Path, name: str, ready: str = "", go: str = "", die_after: int = -1) -> subprocess.Popen:
    command = [sys.executable, "-c", RUN, str(out), name, ready, go, str(die_after)]
    return subprocess.Popen(command, cwd=PROJECT, stderr=subprocess.PIPE, text=True)


def one_output(out: Path) -> set[str]:
    """The names the stacks hold, after check() has accepted the directory; one name when whole."""
    assert check(out) == out
    listed = json.loads((out / MARKER).read_text())["files"]
    assert sorted(listed) == sorted(f"stacks/s{index}/cdk.tf.json" for index in range(60))
    return {(out / name).read_text() for name in listed}


@pytest.mark.parametrize("attempt", range(3))
def test_runs_committing_at_once_take_turns_and_leave_one_whole_output(tmp_path: Path, attempt: int):
    out, go = tmp_path / "out", tmp_path / "go"
    names = [f"run{index}" for index in range(4)]
    runs = [start_run(out, name, str(tmp_path / f"{name}.ready"), str(go)) for name in names]
    while not all((tmp_path / f"{name}.ready").exists() for name in names):
        assert all(run.poll() is None for run in runs), "a run ended before its commit"
        time.sleep(0.01)
    go.touch()
    results = [(run.wait(), run.stderr.read() if run.stderr else "") for run in runs]
    waited = f"waiting: another groupfolders run is writing {out}\n"
    assert all(code == 0 and error in ("", waited) for code, error in results), results
    assert len(one_output(out)) == 1
    replace(out, writer({"manifest.json": "next"}))  # and the next run takes it as its own
    assert sorted(tree(out)) == [MARKER, LOCK, "manifest.json"]


def test_a_run_waits_while_another_holds_the_lock_and_says_so(tmp_path: Path):
    out = tmp_path / "out"
    replace(out, writer(OLD))
    holder = os.open(out / LOCK, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another run, in the middle of its commit
    try:
        run = start_run(out, "new")
        assert run.stderr is not None
        assert select.select([run.stderr], [], [], 120)[0], "no word from the waiting run"
        assert run.stderr.readline() == f"waiting: another groupfolders run is writing {out}\n"
        assert run.poll() is None, "it waits"
        assert (out / "manifest.json").read_text() == "old"
    finally:
        os.close(holder)
    assert run.wait() == 0
    assert one_output(out) == {"new"}


@pytest.mark.parametrize("die_after", [0, 1, 30, 61])  # NEXT, then 60 files, then MARKER
def test_a_run_killed_in_its_commit_leaves_the_lock_free_and_the_output_repairable(
    tmp_path: Path, capsys, die_after: int
):
    out = tmp_path / "out"
    replace(out, writer(OLD))
    killed = start_run(out, "killed", die_after=die_after)
    assert killed.wait() == -signal.SIGKILL
    assert check(out) == out
    replace(out, writer(LAST))  # at once: the kernel released the killed run's lock
    assert capsys.readouterr().err == ""
    assert tree(out) == {
        MARKER: (out / MARKER).read_bytes(),
        LOCK: b"",
        **{name: text.encode() for name, text in LAST.items()},
    }


def test_a_lock_that_is_a_link_is_not_ours(ours: Path, tmp_path: Path):
    (tmp_path / "elsewhere").write_text("")
    (ours / LOCK).unlink()
    (ours / LOCK).symlink_to(tmp_path / "elsewhere")
    assert refusal(ours) == f"cannot lock {ours / LOCK} (Too many levels of symbolic links): {FOREIGN}"
    assert (tmp_path / "elsewhere").read_text() == "", "never followed"


def test_a_marker_nested_too_deep_proves_nothing_and_raises_nothing(tmp_path: Path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / MARKER).write_text('{"files": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert refusal(tmp_path / "out") == (
        f"{tmp_path / 'out'} holds {MARKER}, which groupfolders did not write: {FOREIGN}"
    )


def test_every_file_and_directory_reaches_the_disk_before_the_marker(
    ours: Path, monkeypatch: pytest.MonkeyPatch
):
    """fsync of each file's content and of each directory holding one, then MARKER, then its directory."""
    events: list[tuple[str, object]] = []
    sync, rename = os.fsync, os.replace

    def recorded_sync(descriptor: int) -> None:
        events.append(("fsync", os.fstat(descriptor).st_ino))
        sync(descriptor)

    def recorded_rename(source: Path, destination: Path) -> None:
        events.append(("replace", Path(destination)))
        rename(source, destination)

    monkeypatch.setattr(output_dir.os, "fsync", recorded_sync)
    monkeypatch.setattr(output_dir.os, "replace", recorded_rename)
    replace(ours, writer(NEW))

    def at(event: tuple[str, object]) -> int:
        return events.index(event)

    def synced(path: Path, after: int, before: int) -> bool:
        return ("fsync", path.stat().st_ino) in events[after + 1 : before]

    next_moved, marker_moved = at(("replace", ours / NEXT)), at(("replace", ours / MARKER))
    first_file = min(at(("replace", ours / name)) for name in NEW)
    last_file = max(at(("replace", ours / name)) for name in NEW)
    assert synced(ours / MARKER, -1, next_moved), "NEXT's content, before it is in place"
    assert synced(ours, next_moved, first_file), "NEXT in place before the first file moves"
    for name in NEW:
        assert synced(ours / name, -1, at(("replace", ours / name))), f"{name}'s content"
    for folder in (ours, ours / "stacks", ours / "stacks" / "dev", ours / "stacks" / "prod"):
        assert synced(folder, last_file, marker_moved), f"{folder} holds its files before MARKER"
    assert synced(ours, marker_moved, len(events)), "and MARKER itself"
