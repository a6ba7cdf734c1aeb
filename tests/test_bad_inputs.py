"""Layer 6: every broken configuration in tests/bad_inputs/ gives exactly the errors in its header."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from modules import cli
from modules.config.acceptances import ACCEPTED, load_acceptances
from modules.config.yaml_source import MAX_DEPTH, MAX_FILE_BYTES
from modules.errors import ConfigError
from modules.validation import load_valid_environments
from tests.conftest import BAD_INPUTS, BASE, PROJECT
from tests.message_templates import templates

CASES = sorted(p for p in BAD_INPUTS.glob("*.yaml") if not p.name.startswith("_"))


def expected(case: Path) -> list[str]:
    lines = case.read_bytes().decode("utf-8", errors="replace").splitlines()
    return [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]


def problems(directory: Path, name: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(directory, [name])
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_bad_input_gives_its_errors(case: Path):
    assert expected(case), f"{case.name} has no '# expect:' line"
    assert problems(BAD_INPUTS, case.stem) == expected(case)


def test_the_base_of_the_corpus_is_valid():
    """Each case breaks one thing of a valid base; the base alone must pass. good_inputs/corpus.yaml
    extends ../bad_inputs/_base.yaml, outside its directory: it needs the opt-in."""
    (environment,) = load_valid_environments(
        BAD_INPUTS.parent / "good_inputs", ["corpus"], extends_outside=True
    )
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


def load_all_problems(directory: Path = BAD_INPUTS) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(directory)
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
            "statement 0: action 's3:*' is not in the S3 action table (modules/policies/actions.py)",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["*"], "Resource": ["*"]}]',
            "statement 0: action '*' is not in the S3 action table (modules/policies/actions.py)",
        ),
        (
            "{{ cycler.__init__.__globals__ }}",
            "does not render: access to attribute '__init__' of 'type' object is unsafe.",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": {{ object_arns | json }}},'
            ' {"Sid": "R", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": {{ object_arns | json }}}]',
            "statement 1: Sid 'R' repeats statement 0; give each its own",
        ),
    ],
    ids=["invalid-json", "s3-wildcard-action", "wildcard-action", "python-objects", "duplicate-sid"],
)
def test_a_broken_template_is_a_configuration_error(tmp_path: Path, capsys, template, reason):
    """A team's template (here `team.json.j2`) that is broken: exit 2, the template named, nothing written."""
    from modules import cli  # noqa: PLC0415

    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "team.json.j2").write_text(template)
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "t.yaml").write_text(BASE + "groups: [{name: a, access: team, precedence: 1}]\n")
    outdir = tmp_path / "out"
    assert (
        cli.main(
            [
                *("synth", "--quiet", "--environments", str(tmp_path / "envs"), "--outdir", str(outdir)),
                *("--templates", str(tmp_path / "policies")),
            ]
        )
        == 2
    )
    sep = ": " if reason.startswith("statement") else " "
    assert (
        capsys.readouterr().err.splitlines()[1]
        == f"  {tmp_path}/envs/t.yaml:5:20: groups[0].access: template team.json.j2{sep}{reason}"
    )
    assert not outdir.exists()


ACROSS = sorted(p for p in (BAD_INPUTS / "across").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", ACROSS, ids=lambda p: p.name)
def test_environments_that_clash_give_their_errors(case: Path):
    """Each directory under across/ holds environments valid alone that clash with each other."""
    want = sorted(line for file in sorted(case.glob("*.yaml")) for line in expected(file))
    assert want, f"{case.name} has no '# expect:' line"
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(case)
    assert sorted(str(problem) for problem in caught.value.problems) == want


GROUPS = "groups: [{name: a, access: read, precedence: 1}]\n"


def test_a_fifo_named_yaml_is_refused_without_waiting(tmp_path: Path):
    """Opening a FIFO for reading blocks until a writer comes; validate must not hang."""
    os.mkfifo(tmp_path / "pipe.yaml")
    assert problems(tmp_path, "pipe") == [f"{tmp_path}/pipe.yaml: is a FIFO (named pipe), not a regular file"]


def test_a_directory_named_yaml_is_refused(tmp_path: Path):
    (tmp_path / "dir.yaml").mkdir()
    assert problems(tmp_path, "dir") == [f"{tmp_path}/dir.yaml: is a directory, not a regular file"]


def test_a_symlink_loop_among_the_environments_is_refused(tmp_path: Path):
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    (tmp_path / "b.yaml").symlink_to("a.yaml")
    assert sorted(load_all_problems(tmp_path)) == [
        f"{tmp_path}/a.yaml: cannot be read: Too many levels of symbolic links",
        f"{tmp_path}/b.yaml: cannot be read: Too many levels of symbolic links",
    ]


def test_a_symlinked_environment_is_read(tmp_path: Path):
    (tmp_path / "_real.yaml").write_text(BASE + GROUPS)
    (tmp_path / "dev.yaml").symlink_to("_real.yaml")
    assert [e.name for e in load_valid_environments(tmp_path)] == ["dev"]


def test_extends_of_a_fifo_is_refused(tmp_path: Path):
    os.mkfifo(tmp_path / "_pipe.yaml")
    (tmp_path / "dev.yaml").write_text("extends: _pipe.yaml\n")
    assert problems(tmp_path, "dev") == [f"{tmp_path}/_pipe.yaml: is a FIFO (named pipe), not a regular file"]


def test_extends_through_a_symlink_out_of_the_directory_is_refused(tmp_path: Path):
    """The resolved file counts: a symlink inside the directory does not let /etc in."""
    (tmp_path / "envs").mkdir()
    (tmp_path / "outside.yaml").write_text(BASE + GROUPS)
    (tmp_path / "envs" / "_link.yaml").symlink_to(tmp_path / "outside.yaml")
    (tmp_path / "envs" / "dev.yaml").write_text("extends: _link.yaml\n")
    assert problems(tmp_path / "envs", "dev") == [
        f"{tmp_path}/envs/dev.yaml:1:1: extends: _link.yaml is outside the environments directory "
        f"{tmp_path}/envs; move the file there, or pass --allow-extends-outside"
    ]
    assert load_valid_environments(tmp_path / "envs", ["dev"], extends_outside=True)[0].name == "dev"


def test_extends_into_a_subdirectory_is_inside(tmp_path: Path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "base.yaml").write_text(BASE + GROUPS)
    (tmp_path / "dev.yaml").write_text("extends: shared/base.yaml\n")
    assert load_valid_environments(tmp_path)[0].name == "dev"


def test_allow_extends_outside_is_the_command_line_opt_in(capsys):
    corpus = ["validate", "--environments", str(BAD_INPUTS.parent / "good_inputs")]
    assert cli.main(corpus) == 2
    assert "corpus.yaml:1:1: extends: ../bad_inputs/_base.yaml is outside" in capsys.readouterr().err
    assert cli.main([*corpus, "--allow-extends-outside"]) == 0
    assert capsys.readouterr().out == "1 environment(s) valid: corpus\n"


def test_a_missing_environments_directory_is_reported_as_missing(tmp_path: Path):
    assert problems(tmp_path / "nowhere", "dev") == [
        f"{tmp_path}/nowhere: does not exist (the environments directory)"
    ]
    (tmp_path / "file").write_text("")
    assert problems(tmp_path / "file", "dev") == [
        f"{tmp_path}/file: is not a directory (the environments directory)"
    ]


def test_a_yml_file_is_reported_not_ignored(tmp_path: Path):
    (tmp_path / "dev.yaml").write_text(BASE + GROUPS)
    (tmp_path / "qa.yml").write_text(BASE + GROUPS)
    assert problems(tmp_path, "dev") == [
        f"{tmp_path}/qa.yml: is not read: environment files end in .yaml; rename it to qa.yaml"
    ]


def test_dev_yaml_beside_dev_yml_is_an_error(tmp_path: Path):
    (tmp_path / "dev.yaml").write_text(BASE + GROUPS)
    (tmp_path / "dev.yml").write_text(BASE + GROUPS)
    assert problems(tmp_path, "dev") == [
        f"{tmp_path}/dev.yml: repeats environment 'dev' (dev.yaml); merge it into that file and delete it"
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("!!set {a, b}", "5:7: YAML error: the tag !!set is not allowed"),
        ("!!python/tuple [a]", "5:7: YAML error: the tag !!python/tuple is not allowed"),
        ("!!omap [a: b]", "5:7: YAML error: the tag !!omap is not allowed"),
        ("!custom x", "5:7: YAML error: the tag !custom is not allowed"),
        ("{? {a: b} : c}", "5:10: YAML error: a key must be a plain value, not a list or mapping"),
    ],
)
def test_only_plain_data_is_read(tmp_path: Path, value: str, reason: str):
    (tmp_path / "t.yaml").write_text(BASE + f"tags: {value}\n" + GROUPS)
    (found,) = problems(tmp_path, "t")
    assert found.startswith(f"{tmp_path}/t.yaml:{reason}")


@pytest.mark.parametrize("value", ["!!str 2024", "!!int 3", "!!bool true", "!!null ''"])
def test_explicit_plain_tags_are_read(tmp_path: Path, value: str):
    (tmp_path / "t.yaml").write_text(BASE + f"description_unused: {value}\n" + GROUPS)
    assert problems(tmp_path, "t") == [f"{tmp_path}/t.yaml:5:1: description_unused: is not a known setting"]


@pytest.mark.parametrize(("depth", "fails"), [(MAX_DEPTH - 2, False), (MAX_DEPTH - 1, True)])
def test_nesting_limit_at_the_boundary(tmp_path: Path, depth: int, fails: bool):
    """The document (level 1) and tags (level 2) hold `depth` nested lists."""
    (tmp_path / "t.yaml").write_text(BASE + "tags: {k: " + "[" * depth + "]" * depth + "}\n" + GROUPS)
    (found,) = problems(tmp_path, "t")
    assert ("deeper than 32 levels" in found) is fails


def test_nesting_a_thousand_levels_is_a_configuration_error(tmp_path: Path):
    (tmp_path / "t.yaml").write_text(BASE + "tags: " + "[" * 1000 + "]" * 1000 + "\n")
    (found,) = problems(tmp_path, "t")
    assert found.endswith("nesting is deeper than 32 levels")


ACCEPTANCE_CASES = sorted((BAD_INPUTS / "accepted_findings").glob("*.yaml"))


@pytest.mark.parametrize("case", ACCEPTANCE_CASES, ids=lambda p: p.stem)
def test_bad_accepted_findings_give_their_errors(case: Path):
    assert expected(case), f"{case.name} has no '# expect:' line"
    with pytest.raises(ConfigError) as caught:
        load_acceptances(case)
    assert [str(problem) for problem in caught.value.problems] == expected(case)


def test_the_project_accepted_findings_are_valid():
    acceptances = load_acceptances(ACCEPTED)
    assert ("CKV_GF_3", ("dev",)) in {(a.check_id, a.environments) for a in acceptances}


def test_check_refuses_bad_accepted_findings_before_synthesis(tmp_path: Path, capsys):
    """Exit 2 with the file's problems, and no output directory: nothing was synthesized."""
    accepted = BAD_INPUTS / "accepted_findings" / "environments-a-string.yaml"
    outdir = tmp_path / "out"
    arguments = [
        "--outdir",
        str(outdir),
        "--report-dir",
        str(tmp_path / "r"),
        "--accepted-findings",
        str(accepted),
    ]
    code = cli.main(["check", "--quiet", "--env", "dev", *arguments])
    assert code == 2
    assert capsys.readouterr().err.splitlines() == [
        "1 configuration problem(s):",
        "  tests/bad_inputs/accepted_findings/environments-a-string.yaml:4:3: [0].environments: "
        "must be a list of environment names, e.g. [dev]",
    ]
    assert not outdir.exists()


# --- the corpus holds every message (tests/message_templates.py reads them from the source)

# The rules of one environment and of its model. (across_environments.py composes its messages
# from parts: tests/bad_inputs/across/ has a directory per kind of clash.)
MESSAGE_SOURCES = ("validation.py", "config/model.py")
# Messages that no file of the corpus can give, each with the test that pins it instead.
ELSEWHERE = {
    # needs a template directory of its own (two levels that differ only in case)
    "access levels {} and {} differ only in case; with role_mapping tags each names principal tags, "
    "which IAM compares without case: rename one template": "tests/test_tags.py",
}


def corpus_lines() -> list[str]:
    return [line for case in sorted(BAD_INPUTS.rglob("*.yaml")) for line in expected(case)]


def test_every_message_of_validation_has_a_case_in_the_corpus():
    """A new check comes with a bad input that trips it, its exact message in the header."""
    lines = corpus_lines()
    for source in MESSAGE_SOURCES:
        found = templates(PROJECT / "modules" / source)
        assert len(found) >= 20, f"too few messages read from {source}: the reader is broken"
        missing = [
            f"{t.where}: {t.text}"
            for t in found
            if t.text not in ELSEWHERE and not any(t.given_in(line) for line in lines)
        ]
        assert missing == [], "add a case to tests/bad_inputs/ for each of these"


def test_each_message_kept_out_of_the_corpus_is_still_a_message():
    texts = {t.text for source in MESSAGE_SOURCES for t in templates(PROJECT / "modules" / source)}
    assert set(ELSEWHERE) <= texts
