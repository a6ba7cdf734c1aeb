"""`groupfolders init`: a working starting point, never written over anything."""

from __future__ import annotations

import re
from pathlib import Path

from modules.cli import DEFAULT_ACCEPTED, DEFAULT_OUTDIR, main
from modules.config.acceptances import load_acceptances
from modules.config.schema import schema_text
from tests.conftest import tree

WRITTEN = [
    "wrote environments/example.yaml",
    "wrote schema/environment.schema.json",
    "wrote schema/environment-base.schema.json",
    "wrote .gitignore",
    "wrote security/accepted_findings.yaml",
    "next: `groupfolders validate`, then `groupfolders check` (needs the synth extra and checkov)",
]


def test_init_writes_a_starting_point_that_validates(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert capsys.readouterr().out.splitlines() == WRITTEN
    example = (tmp_path / "environments" / "example.yaml").read_text()
    assert example.startswith("# yaml-language-server: $schema=../schema/environment.schema.json\n")
    assert (tmp_path / "schema" / "environment.schema.json").read_text() == schema_text(base=False)
    assert (tmp_path / "schema" / "environment-base.schema.json").read_text() == schema_text(base=True)
    ignored = (tmp_path / ".gitignore").read_text().splitlines()
    assert {f"{DEFAULT_OUTDIR}/", "reports/"} <= set(ignored)
    assert load_acceptances(tmp_path / DEFAULT_ACCEPTED) == ()
    assert main(["validate", "--quiet"]) == 0
    assert capsys.readouterr().out == "1 environment(s) valid: example\n"


def test_init_leaves_environments_that_exist_alone(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.yml").write_text("app: x\n")
    assert main(["init"]) == 0
    assert capsys.readouterr().out.splitlines() == WRITTEN[1:]
    assert sorted(p.name for p in (tmp_path / "environments").iterdir()) == ["prod.yml"]


def test_the_modeline_names_the_schema_from_where_the_environments_are(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--environments", "infra/groupfolders"]) == 0
    example = (tmp_path / "infra" / "groupfolders" / "example.yaml").read_text()
    assert example.startswith("# yaml-language-server: $schema=../../schema/environment.schema.json\n")


def test_init_refuses_in_one_line_and_writes_nothing_when_a_file_exists(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gitignore").write_text("node_modules/\n")
    assert main(["init"]) == 2
    assert capsys.readouterr().err == (
        "error: .gitignore: exists already; init overwrites nothing, so it wrote nothing\n"
    )
    assert tree(tmp_path) == {".gitignore": b"node_modules/\n"}


def test_a_second_init_changes_nothing(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    (tmp_path / "environments" / "example.yaml").write_text("app: mine\n")
    before = tree(tmp_path)
    capsys.readouterr()
    assert main(["init"]) == 2
    assert capsys.readouterr().err == (
        "error: schema/environment.schema.json, schema/environment-base.schema.json, .gitignore, "
        "security/accepted_findings.yaml: exist already; init overwrites nothing, so it wrote nothing\n"
    )
    assert tree(tmp_path) == before


def test_the_starting_point_passes_check(tmp_path: Path, monkeypatch, capsys):
    """Working as written: synthesized and scanned, the example has no finding but those
    groupfolders accepts on its own defaults."""
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["check", "--quiet"]) == 0
    verdict = capsys.readouterr().out.splitlines()[-3:]
    assert re.fullmatch(
        r"checkov [\d.]+: \d+ passed, 0 failed, \d+ accepted by groupfolders' defaults, "
        r"0 by security/accepted_findings.yaml",
        verdict[0],
    )
    assert verdict[1] == "verdict: PASS"
