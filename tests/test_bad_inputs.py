"""Layer 6: every broken configuration in tests/bad_inputs/ gives exactly the errors in its header."""

from __future__ import annotations

from pathlib import Path

import pytest

from modules.config.yaml_source import MAX_FILE_BYTES
from modules.errors import ConfigError
from modules.validation import load_valid_environments
from tests.conftest import BAD_INPUTS, BASE

CASES = sorted(p for p in BAD_INPUTS.glob("*.yaml") if not p.name.startswith("_"))


def expected(case: Path) -> list[str]:
    lines = case.read_bytes().decode("utf-8", errors="replace").splitlines()
    return [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]


def problems(directory: Path, name: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(directory, [name])
    return [str(problem) for problem in caught.value.problems]


def test_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_bad_input_gives_its_errors(case: Path):
    assert expected(case), f"{case.name} has no '# expect:' line"
    assert problems(BAD_INPUTS, case.stem) == expected(case)


def test_the_base_of_the_corpus_is_valid():
    """Each case breaks one thing of a valid base; the base alone must pass."""
    (environment,) = load_valid_environments(BAD_INPUTS.parent / "good_inputs", ["corpus"])
    assert [g.name for g in environment.groups] == ["analysts", "finance"]


def test_oversized_file_is_refused_unread(tmp_path: Path):
    (tmp_path / "big.yaml").write_text(BASE + "#" * MAX_FILE_BYTES)
    size = len(BASE) + MAX_FILE_BYTES
    assert problems(tmp_path, "big") == [f"{tmp_path}/big.yaml: is {size} bytes; the limit is 262144 bytes"]


def test_file_at_the_size_limit_is_read(tmp_path: Path):
    text = BASE + "groups: [{name: a, access: read, precedence: 1}]\n"
    (tmp_path / "edge.yaml").write_text(text + "#" * (MAX_FILE_BYTES - len(text)))
    assert load_valid_environments(tmp_path, ["edge"])[0].name == "edge"


def test_all_files_are_reported_in_one_run():
    """Loading the whole corpus at once reports exactly the problems of every case."""
    assert sorted(load_all_problems()) == sorted(line for case in CASES for line in expected(case))


def load_all_problems() -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(BAD_INPUTS)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        (
            '[{"Sid": "R", "Effect": "Allow"',
            "renders invalid JSON: Expecting ',' delimiter at line 1, column 32",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:*"], "Resource": {{ object_arns | json }}}]',
            "statement 0: action 's3:*' is not in the allow list of S3 folder actions",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]',
            "statement 0: action '*' is not in the allow list of S3 folder actions",
        ),
    ],
    ids=["invalid-json", "s3-wildcard-action", "wildcard-action"],
)
def test_a_broken_template_is_a_configuration_error(tmp_path: Path, monkeypatch, capsys, template, reason):
    """A team's template (here `team.json.j2`) that is broken: exit 2, the template named, nothing written."""
    from modules import cli  # noqa: PLC0415
    from modules.policies import templates  # noqa: PLC0415

    monkeypatch.setattr(templates, "TEMPLATE_DIRECTORY", tmp_path / "policies")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "team.json.j2").write_text(template)
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "t.yaml").write_text(BASE + "groups: [{name: a, access: team, precedence: 1}]\n")
    outdir = tmp_path / "out"
    assert (
        cli.main(["synth", "--quiet", "--environments", str(tmp_path / "envs"), "--outdir", str(outdir)]) == 2
    )
    sep = ": " if reason.startswith("statement") else " "
    assert (
        capsys.readouterr().err.splitlines()[1]
        == f"  {tmp_path}/envs/t.yaml: groups[0].access: template team.json.j2{sep}{reason}"
    )
    assert not outdir.exists()
