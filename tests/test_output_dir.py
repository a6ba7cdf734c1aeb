"""Output directories are replaced whole, and only when groupfolders wrote them: each refusal
with its exact message, beside the case that is accepted."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from modules import output_dir
from modules.output_dir import MARKER, OutputDirError, check, chosen, replace
from modules.scan import ScanResult, write_check_reports
from tests.conftest import PROJECT, tree

FOREIGN = "move it away or name another directory"
OWN = "groupfolders replaces its output directory whole, so name a directory of its own"


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
    assert sorted(tree(out)) == [MARKER, "manifest.json", "stacks/dev/cdk.tf.json"]
    marker = json.loads((out / MARKER).read_text())
    assert marker == {
        "written_by": "groupfolders",
        "files": {
            "manifest.json": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "stacks/dev/cdk.tf.json": "ef260e9aa3c673af240d17a2660480361a8e081d1ffeca2a5ed0e3219fc18567",
        },
    }
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["out"], "no staging left beside"


def test_our_own_output_is_replaced_whole(ours: Path):
    replace(ours, writer({"manifest.json": "[]", "stacks/prod/cdk.tf.json": "prod"}))
    assert sorted(tree(ours)) == [MARKER, "manifest.json", "stacks/prod/cdk.tf.json"]
    assert sorted(p.name for p in ours.parent.iterdir()) == ["out"]


def test_our_output_with_a_file_deleted_by_hand_is_still_ours(ours: Path):
    (ours / "manifest.json").unlink()
    assert check(ours) == ours
    replace(ours, writer({"manifest.json": "[]"}))
    assert sorted(tree(ours)) == [MARKER, "manifest.json"]


def test_an_empty_directory_is_replaced(tmp_path: Path):
    (tmp_path / "out").mkdir()
    replace(tmp_path / "out", writer({"manifest.json": "{}"}))
    assert sorted(tree(tmp_path / "out")) == [MARKER, "manifest.json"]


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
        ("stacks/dev/terraform.dev.tfstate", "stacks/dev/terraform.dev.tfstate"),
        ("stacks/dev/.terraform/providers/x", "stacks/dev/.terraform"),
        ("stacks/prod/", "stacks/prod"),
    ],
)
def test_our_output_with_anything_added_is_refused_and_kept(ours: Path, added: str, name: str):
    path = ours / added
    if added.endswith("/"):
        path.mkdir()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("state")
    before = tree(ours)
    assert refusal(ours) == f"{ours} holds {name}, which groupfolders did not write: {FOREIGN}"
    with pytest.raises(OutputDirError):
        replace(ours, writer({"manifest.json": "{}"}))
    assert tree(ours) == before


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


@pytest.mark.parametrize("marker", ["not json", '{"files": ["manifest.json"]}', '{"files": {"a": 1}}', "{}"])
def test_a_marker_we_did_not_write_proves_nothing(ours: Path, marker: str):
    (ours / MARKER).write_text(marker)
    assert refusal(ours) == f"{ours} holds {MARKER}, which groupfolders did not write: {FOREIGN}"


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
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    environments = tmp_path / "repo" / "environments"
    environments.mkdir(parents=True)
    assert refusal(PROJECT) == f"{PROJECT} is the project directory: {OWN}"
    assert refusal(PROJECT.parent) == f"{PROJECT.parent} holds the project directory: {OWN}"
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


def test_a_file_that_arrives_while_writing_stops_the_swap(ours: Path):
    def meanwhile(staging: Path) -> None:
        (staging / "manifest.json").write_text("new")
        (ours / "terraform.tfstate").write_text("state")

    with pytest.raises(OutputDirError, match=r"holds terraform\.tfstate, which groupfolders did not write"):
        replace(ours, meanwhile)
    assert (ours / "terraform.tfstate").read_text() == "state"
    assert (ours / "manifest.json").read_text() == "{}"


def test_a_run_killed_between_the_renames_gets_its_output_back(ours: Path):
    before = tree(ours)
    ours.rename(ours.with_name(".out.old"))  # what a kill after the first rename leaves
    with pytest.raises(RuntimeError):
        replace(ours, lambda staging: (_ for _ in ()).throw(RuntimeError("killed again")))
    assert tree(ours) == before
    assert sorted(p.name for p in ours.parent.iterdir()) == ["out"]


def test_a_run_killed_before_deleting_the_old_output_is_finished(ours: Path, tmp_path: Path):
    replace(
        tmp_path / ".out.old", writer({"manifest.json": "older"})
    )  # what a kill after the second rename leaves
    replace(ours, writer({"manifest.json": "newest"}))
    assert (ours / "manifest.json").read_text() == "newest"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_old_directory_we_did_not_write_is_in_the_way_and_kept(ours: Path, tmp_path: Path):
    (tmp_path / ".out.old").mkdir()
    (tmp_path / ".out.old" / "notes.txt").write_text("mine")
    assert (
        refusal(ours)
        == f"{tmp_path / '.out.old'} is in the way and groupfolders did not write it: move it away"
    )
    assert tree(tmp_path / ".out.old") == {"notes.txt": b"mine"}


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
    assert sorted(tree(tmp_path / "reports")) == [MARKER, "check.json", "check.sarif"]
    (tmp_path / "reports" / "summary.html").write_text("mine")
    with pytest.raises(
        OutputDirError, match=r"reports holds summary\.html, which groupfolders did not write"
    ):
        write_check_reports(result, tmp_path / "reports")
    assert (tmp_path / "reports" / "summary.html").read_text() == "mine"
