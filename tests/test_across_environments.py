"""Layer 1: rules across environments. Each negative case beside the positive one it breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from modules.errors import ConfigError
from modules.validation import load_valid_environments
from tests.conftest import BAD_INPUTS, EXAMPLES

ACROSS = BAD_INPUTS / "across"


def problems(directory: Path, names: tuple[str, ...] = ()) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(directory, names)
    return [str(problem) for problem in caught.value.problems]


def write(directory: Path, name: str, bucket: str, extra: str = "") -> None:
    text = f"app: demo\nregion: eu-west-1\nuser_pool: {{name: pool-{name}}}\n{bucket}\n{extra}"
    (directory / f"{name}.yaml").write_text(text)


def test_the_examples_do_not_clash():
    assert [e.name for e in load_valid_environments(EXAMPLES)] == ["dev", "prod", "staging", "union"]


def test_asking_for_one_environment_still_compares_it_with_the_others():
    """The clash is reported on c.yaml, and it involves b-c: asking for b-c alone shows it."""
    assert problems(ACROSS / "derived-role-name", ("b-c",)) == problems(ACROSS / "derived-role-name")


def test_a_clash_of_two_other_environments_is_not_shown():
    directory = ACROSS / "same-backend"
    (first,) = problems(directory, ("one",))
    assert first.startswith("tests/bad_inputs/across/same-backend/two.yaml:4:1: backend: state s3://")
    assert len(problems(directory, ("three",))) == 1


def test_an_environment_invalid_alone_is_not_compared(tmp_path: Path):
    write(tmp_path, "one", "bucket: {name: demo-files}", "groups: [{name: a, access: read, precedence: 1}]\n")
    write(
        tmp_path, "two", "bucket: {name: demo-files}", "groups: [{name: a, access: nothing, precedence: 1}]\n"
    )
    (problem,) = problems(tmp_path)
    assert "groups[0].access: unknown access level 'nothing'" in problem
    assert load_valid_environments(tmp_path, ("one",))


def test_environments_that_share_a_bucket_with_disjoint_folders_pass(tmp_path: Path):
    write(
        tmp_path,
        "one",
        "bucket: {name: demo-files, shared_with: [two]}",
        "groups: [{name: a, access: read, precedence: 1, prefixes: [one/a/]}]\n",
    )
    write(
        tmp_path,
        "two",
        "bucket: {existing: demo-files, shared_with: [one]}",
        "private_folders: false\ngroups: [{name: a, access: read, precedence: 1, prefixes: [two/a/]}]\n",
    )
    assert [e.name for e in load_valid_environments(tmp_path)] == ["one", "two"]
    # each must name the other: tests/bad_inputs/across/same-new-bucket/two.yaml; folders that
    # overlap: tests/bad_inputs/across/shared-bucket-overlap/


def test_equal_pool_names_in_other_regions_and_distinct_local_states_pass(tmp_path: Path):
    write(tmp_path, "one", "bucket: {name: demo-one}", "groups: [{name: a, access: read, precedence: 1}]\n")
    text = (
        (tmp_path / "one.yaml").read_text().replace("pool-one", "pool").replace("eu-west-1", "eu-central-1")
    )
    (tmp_path / "one.yaml").write_text(text + "backend: {type: local, path: state.tfstate}\n")
    write(
        tmp_path,
        "two",
        "bucket: {name: demo-two}",
        "backend: {type: local, path: state.tfstate}\ngroups: [{name: a, access: read, precedence: 1}]\n",
    )
    (tmp_path / "two.yaml").write_text((tmp_path / "two.yaml").read_text().replace("pool-two", "pool"))
    assert len(load_valid_environments(tmp_path)) == 2


def test_a_clash_written_in_a_base_file_names_the_environment(tmp_path: Path):
    """The groups come from _groups.yaml: the position is there, so the reason names whose it is."""
    (tmp_path / "_groups.yaml").write_text("groups: [{name: team, access: read, precedence: 1}]\n")
    for name in ("one", "two"):
        text = (
            f"extends: _groups.yaml\napp: demo\nregion: eu-west-1\n"
            f"user_pool: {{existing_id: eu-west-1_Sh4red, existing_client_id: {name}}}\n"
            f"bucket: {{name: demo-{name}}}\n"
        )
        (tmp_path / f"{name}.yaml").write_text(text)
    (problem,) = problems(tmp_path)
    assert problem.startswith(
        f"{tmp_path}/_groups.yaml:1:11: groups[0].name: environment 'two' ({tmp_path}/two.yaml): group 'team' "
        f"of user pool eu-west-1_Sh4red is also a group it creates of environment 'one' ({tmp_path}/one.yaml); "
    )
    (tmp_path / "two.yaml").write_text((tmp_path / "two.yaml").read_text().replace("Sh4red", "Oth3r"))
    assert len(load_valid_environments(tmp_path)) == 2
