"""Adopting what exists: groups of an existing user pool and an existing identity pool are
imported (Terraform `import` blocks in imports.tf), never created a second time."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from modules.access_model import environment_access
from modules.access_report import changes
from modules.errors import ConfigError
from modules.explain import explain
from modules.validation import load_valid_environments
from tests import terraform_cli
from tests.conftest import load_stack

POOL, IDENTITIES = "eu-west-1_AbC123", "eu-west-1:0123abcd-0123-4567-89ab-0123456789ab"
ADOPTING = f"""\
app: demo
region: eu-west-1
user_pool: {{existing_id: {POOL}, existing_client_id: abc123, adopt_groups: true}}
identity_pool: {{existing_id: "{IDENTITIES}"}}
bucket: {{existing: demo-files}}
groups:
  - {{name: team, access: read, precedence: 1}}
  - {{name: ops.team, access: read, precedence: 2, prefixes: [ops/]}}
  - {{name: fresh, access: read, precedence: 3, adopt: false}}
"""
CREATING = """\
app: demo
region: eu-west-1
user_pool: {name: demo-plain}
bucket: {name: demo-plain-files}
groups: [{name: team, access: read, precedence: 1}]
"""


def environments(directory: Path, **files: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / f"{name}.yaml").write_text(textwrap.dedent(text))
    return directory


def problems(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(directory)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture(scope="module")
def adopted_out(synth_dir: Callable[[Path], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_dir(environments(tmp_path_factory.mktemp("adopting"), adopt=ADOPTING, plain=CREATING))


def import_blocks(text: str) -> list[tuple[str, str]]:
    return re.findall(r'import \{\n  to = (\S+)\n  id = "([^"]*)"\n\}\n', text)


# --- the stack


def test_each_adopted_group_has_one_import_block_with_pool_id_and_name(adopted_out: Path):
    text = (adopted_out / "stacks" / "adopt" / "imports.tf").read_text()
    assert import_blocks(text) == [
        ("aws_cognito_identity_pool.identities", IDENTITIES),
        ("aws_cognito_identity_pool_roles_attachment.identities_roles", IDENTITIES),
        ("aws_cognito_user_group.group_ops_team", f"{POOL}/ops.team"),
        ("aws_cognito_user_group.group_team", f"{POOL}/team"),
    ]
    assert text.count("import {") == 4
    # adopt: false overrides adopt_groups: the group is created (above, no block names it)
    assert "group_fresh" in load_stack(adopted_out, "adopt")["resource"]["aws_cognito_user_group"]


def test_every_import_takes_over_a_block_of_the_stack(adopted_out: Path):
    stack = load_stack(adopted_out, "adopt")
    text = (adopted_out / "stacks" / "adopt" / "imports.tf").read_text()
    for address, _ in import_blocks(text):
        kind, name = address.split(".")
        assert name in stack["resource"][kind]


def test_import_blocks_stay_out_of_the_json_checkov_reads(adopted_out: Path):
    """checkov's terraform_json parser fails on a top-level `import` list (tests/test_scan.py)."""
    assert "import" not in load_stack(adopted_out, "adopt")


def test_an_environment_that_adopts_nothing_has_no_imports_file(adopted_out: Path):
    assert sorted(p.name for p in (adopted_out / "stacks" / "plain").iterdir()) == [
        "cdk.tf.json",
        "versions.tf",
    ]


def test_the_adopted_identity_pool_keeps_its_name_and_refuses_guests(adopted_out: Path):
    adopted = load_stack(adopted_out, "adopt")["resource"]["aws_cognito_identity_pool"]["identities"]
    assert adopted["lifecycle"] == {"ignore_changes": ["identity_pool_name"]}
    assert adopted["allow_unauthenticated_identities"] is False
    created = load_stack(adopted_out, "plain")["resource"]["aws_cognito_identity_pool"]["identities"]
    assert "lifecycle" not in created


@pytest.mark.skipif(terraform_cli.unavailable() is not None, reason=str(terraform_cli.unavailable()))
def test_terraform_validates_the_stack_with_its_imports(adopted_out: Path, tmp_path: Path):
    """Terraform's own parser reads imports.tf with cdk.tf.json, and refuses a broken block."""
    copy = terraform_cli.copy_for_the_mirror(adopted_out / "stacks" / "adopt", tmp_path / "adopt")
    init = terraform_cli.terraform(copy, "init", "-backend=false", "-input=false")
    assert init.returncode == 0, init.stderr
    assert terraform_cli.terraform(copy, "fmt", "-check", "imports.tf").returncode == 0
    validated = terraform_cli.terraform(copy, "validate", "-json")
    assert json.loads(validated.stdout)["valid"] is True, validated.stdout
    imports = copy / "imports.tf"
    imports.write_text(imports.read_text().replace("  id = ", "  idd = ", 1))
    broken = json.loads(terraform_cli.terraform(copy, "validate", "-json").stdout)
    assert broken["valid"] is False
    assert [d["summary"] for d in broken["diagnostics"]] == [
        "Missing required argument",
        "Unsupported argument",
    ]


# --- the model: adoption needs something to adopt


def test_adopt_groups_needs_an_existing_pool(tmp_path: Path):
    directory = environments(
        tmp_path, plain=CREATING.replace("{name: demo-plain}", "{name: p, adopt_groups: true}")
    )
    assert problems(directory) == [
        f"{directory}/plain.yaml:3:1: user_pool: adopt_groups imports groups of an existing pool; "
        "give existing_id, or drop it"
    ]


def test_adopt_on_a_group_of_a_new_pool_is_refused(tmp_path: Path):
    text = CREATING.replace("precedence: 1}", "precedence: 1, adopt: false}")
    (problem,) = problems(environments(tmp_path, plain=text))
    assert problem == (
        f"{tmp_path}/plain.yaml:5:52: groups[0].adopt: adopt says whether a group of an existing pool is "
        "imported; this environment creates its pool (user_pool.name), so every group is created: drop adopt"
    )
    assert load_valid_environments(environments(tmp_path / "ok", plain=CREATING))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            "eu-west-1:0123ABCD-0123-4567-89ab-0123456789ab",
            "identity_pool.existing_id: existing_id 'eu-west-1:0123ABCD-0123-4567-89ab-0123456789ab' "
            "is not an identity pool id like eu-west-1:0123abcd-0123-4567-89ab-0123456789ab",
        ),
        (
            "eu-central-1:0123abcd-0123-4567-89ab-0123456789ab",
            "identity_pool.existing_id: 'eu-central-1:0123abcd-0123-4567-89ab-0123456789ab' is an identity "
            "pool of another region than eu-west-1",
        ),
    ],
    ids=["not-an-id", "other-region"],
)
def test_an_identity_pool_id_is_one_of_this_region(tmp_path: Path, value: str, reason: str):
    (problem,) = problems(environments(tmp_path, adopt=ADOPTING.replace(IDENTITIES, value)))
    assert problem.split(": ", 1)[1] == reason
    assert load_valid_environments(environments(tmp_path / "ok", adopt=ADOPTING))


# --- the review: report, diff and explain say what adopting means


def accesses(directory: Path) -> dict[str, object]:
    return {e.name: environment_access(e) for e in load_valid_environments(directory)}


def test_a_group_adopted_into_the_environment_widens(tmp_path: Path):
    base = environments(
        tmp_path / "base", adopt=ADOPTING.replace("  - {name: team, access: read, precedence: 1}\n", "")
    )
    head = environments(tmp_path / "head", adopt=ADOPTING)
    found = changes(list(accesses(base).values()), list(accesses(head).values()))
    adopted = [c for c in found if c.detail.startswith("group `team` is adopted")]
    assert [(c.subject, c.kind) for c in adopted] == [("team", "widened")]
    assert adopted[0].detail == (
        "group `team` is adopted: the existing Cognito group is imported rather than created, and the "
        "members it has receive this role at the first apply"
    )


def test_adopting_a_group_the_environment_already_manages_changes_nothing(tmp_path: Path):
    """Once the group is in Terraform's state the import is ignored: no adoption to report."""
    created = ADOPTING.replace("adopt_groups: true", "adopt_groups: false")
    base = environments(tmp_path / "base", adopt=created)
    head = environments(tmp_path / "head", adopt=ADOPTING)
    assert changes(list(accesses(base).values()), list(accesses(head).values())) == []


def test_a_new_environment_reports_its_adoptions(tmp_path: Path):
    found = changes([], list(accesses(environments(tmp_path, adopt=ADOPTING)).values()))
    details = [c.detail for c in found if c.detail]
    assert details == [
        "group `ops.team` is adopted: the existing Cognito group is imported rather than created, and the "
        "members it has receive this role at the first apply",
        "group `team` is adopted: the existing Cognito group is imported rather than created, and the "
        "members it has receive this role at the first apply",
        f"identity pool `{IDENTITIES}` is adopted: its one roles attachment becomes this environment's, for "
        "every app that already signs in through it",
    ]
    assert {c.kind for c in found if c.detail} == {"widened"}


def test_moving_to_an_existing_identity_pool_widens(tmp_path: Path):
    base = environments(
        tmp_path / "base", adopt=ADOPTING.replace(f'identity_pool: {{existing_id: "{IDENTITIES}"}}\n', "")
    )
    head = environments(tmp_path / "head", adopt=ADOPTING)
    found = changes(list(accesses(base).values()), list(accesses(head).values()))
    assert [(c.kind, c.detail) for c in found] == [
        ("widened", f"identity pool: `existing {IDENTITIES}` (was: `new demo-adopt`)")
    ]


def test_explain_spells_out_the_adoptions(tmp_path: Path):
    (environment,) = load_valid_environments(environments(tmp_path, adopt=ADOPTING))
    found = explain(environment, environment_access(environment), ["team", "fresh"])
    assert found.reasons[-2:] == (
        "Adopted groups `team`: each already exists in the user pool and is imported, members and all: "
        "whoever is in it now receives this at the first apply, without being added.",
        f"The identity pool `{IDENTITIES}` is adopted. A pool has one roles attachment, and it is now this "
        "environment's: every app that already signs in through the pool gets these roles, its former roles "
        "and rules are replaced, guests are refused and identity providers other than this user pool's app "
        "client are removed.",
    )
    (plain,) = load_valid_environments(environments(tmp_path / "plain", plain=CREATING))
    assert not any("dopt" in reason for reason in explain(plain, environment_access(plain), ["team"]).reasons)


def test_the_synth_summary_counts_the_imports(adopted_out: Path, tmp_path: Path):
    from modules.summary import synth_summary  # noqa: PLC0415

    loaded = load_valid_environments(environments(tmp_path, adopt=ADOPTING, plain=CREATING))
    lines = [line for line in synth_summary(loaded, adopted_out).splitlines() if not line.startswith(" ")]
    assert lines == [
        f"adopt: 3 groups, 12 resources (4 imported, see imports.tf) -> {adopted_out}/stacks/adopt/cdk.tf.json",
        f"plain: 1 groups, 25 resources -> {adopted_out}/stacks/plain/cdk.tf.json",
    ]
