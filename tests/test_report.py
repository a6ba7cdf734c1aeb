"""The access report: golden Markdown for the examples and for a base → head change."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from modules.access_model import environment_access
from modules.access_report import Change, Edge, changes, changes_diagram, mermaid, mermaid_text
from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, PROJECT

GOLDEN = PROJECT / "tests" / "golden"
BASE = GOLDEN / "base_environments"


def run_report(*arguments: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", "report", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def assert_golden(name: str, text: str) -> None:
    golden = GOLDEN / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        golden.write_text(text)
    assert golden.read_text() == text, f"{name} differs; review, then UPDATE_SNAPSHOTS=1"


def test_report_of_the_examples_is_golden():
    result = run_report("--environments", "environments")
    assert (result.returncode, result.stderr) == (0, "")
    assert_golden("report.md", result.stdout)


def test_changes_from_base_are_golden():
    result = run_report(
        "--environments", "environments", "--base-environments", str(BASE.relative_to(PROJECT))
    )
    assert (result.returncode, result.stderr) == (
        0,
        "base: environments tests/golden/base_environments, templates the head's (templates/policies)\n",
    )
    assert_golden("changes.md", result.stdout)


def test_json_report_is_machine_readable():
    result = run_report("--env", "dev", "--format", "json")
    (dev,) = json.loads(result.stdout)
    analysts = next(role for role in dev["roles"] if role["group"] == "analysts")
    assert analysts["folders"][0] == {
        "prefix": "analysts/",
        "capabilities": ["list", "read"],
        "actions": ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"],
    }
    assert dev["several_groups"] == ["finance", "editors", "analysts", "uploads"]
    assert dev["users_without_group"]["folders"][0]["prefix"] == "private/<identity id>/"


NO_CHANGE = "# Access changes\n\nNo change in who can do what.\n"


def test_no_change_says_so():
    result = run_report("--env", "prod", "--base-environments", "environments")
    assert result.stdout == NO_CHANGE


def test_a_new_environment_is_all_added(tmp_path: Path):
    (tmp_path / "_empty.yaml").write_text("{}\n")
    result = run_report("--env", "dev", "--base-environments", str(tmp_path), "--format", "json")
    kinds = {change["kind"] for change in json.loads(result.stdout)}
    assert kinds == {"added"}


def test_a_missing_base_is_an_error():
    result = run_report("--base-environments", "/nonexistent", "--env", "dev")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "1 configuration problem(s):\n  /nonexistent: is not a directory: the base of the diff must exist\n"
    )


def test_fail_on_needs_a_base():
    result = run_report("--env", "dev", "--fail-on", "widened")
    assert (result.returncode, result.stderr) == (
        2,
        "1 configuration problem(s):\n  --fail-on: needs a base: --base-environments or --base-ref\n",
    )


def test_invalid_base_exits_2():
    result = run_report("--base-environments", "tests/bad_inputs")
    assert result.returncode == 2
    assert "configuration problem(s):" in result.stderr


@pytest.fixture(scope="module")
def accesses():
    return (
        [environment_access(e) for e in load_valid_environments(BASE, ["staging"])],
        [environment_access(e) for e in load_valid_environments(EXAMPLES, ["staging"])],
    )


def test_changes_are_classified(accesses):
    base, head = accesses
    found = changes(base, head)
    assert Change("staging", "analysts", "widened", "analysts/", ("read",)) in found
    assert Change("staging", "finance", "narrowed", "finance/reports/", ("delete",)) in found
    assert Change("staging", "uploads", "added", "inbox/", ("write",)) in found
    assert changes(head, head) == []


def test_a_removed_group_and_a_removed_environment_are_reported(accesses):
    """The reverse diff: everything the base → head diff adds, head → base removes."""
    base, head = accesses
    backwards = changes(head, base)
    assert Change("staging", "uploads", "removed", "inbox/", ("write",)) in backwards
    assert Change("staging", "analysts", "narrowed", "analysts/", ("read",)) in backwards
    assert (
        Change(
            "staging",
            "uploads",
            "data loss",
            "",
            (),
            "group `uploads` is removed (or renamed): apply deletes its Cognito group and every membership in it",
        )
        in backwards
    )
    gone = changes(head, [])
    assert {(c.environment, c.kind) for c in gone} == {("staging", "removed")}
    assert {c.subject for c in gone} == {"analysts", "editors", "finance", "uploads"}


def test_equal_precedence_and_rules_are_reported_as_they_resolve(write_env):
    text = (
        "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\nbucket: {name: demo-bucket}\n"
        "identity_pool: {allow_equal_precedence: true}\n"
        "groups: [{name: a, access: read, precedence: 1}, {name: b, access: read, precedence: 1}]\n"
    )
    token = run_report("--environments", str(write_env(text)))
    assert (
        "  - `a`, `b` share a precedence: a member of two of them gets no preferred role, "
        "so ambiguous role resolution applies: no credentials.\n"
    ) in token.stdout
    rules = run_report(
        "--environments", str(write_env(text.replace("{allow", "{role_mapping: rules, allow")))
    )
    assert (
        "get the role of the first rule that matches (`cognito:groups` Equals the group name)" in rules.stdout
    )
    assert "CustomRoleArn" not in rules.stdout


def test_settings_that_change_access_are_in_the_diff(tmp_path: Path):
    head = tmp_path / "head"
    head.mkdir()
    for source in EXAMPLES.glob("*.yaml"):
        (head / source.name).write_text(
            source.read_text().replace("folder_guard: true", "folder_guard: false")
        )
    (head / "prod.yaml").write_text(
        "\n".join(
            line
            for line in (head / "prod.yaml").read_text().splitlines()
            if "exempt" not in line and "arn:" not in line
        )
    )
    found = json.loads(
        run_report(
            "--environments",
            str(head),
            "--base-environments",
            "environments",
            "--env",
            "prod",
            "--format",
            "json",
        ).stdout
    )
    # Whether each change is widened or narrowed: tests/test_setting_directions.py, every case.
    assert [(change["kind"], change["detail"]) for change in found] == [
        (
            "widened",
            "folder guard: `off` (was: `on, exempt: arn:aws:iam::123456789012:role/groupfolders-deployer, "
            "arn:aws:iam::123456789012:role/aws-backup-service`)",
        )
    ]


# --- the base is rendered from its own inputs: templates, bucket, key and pool changes widen


def git_project(tmp_path: Path) -> Path:
    """A copy of this project (code, templates, environments) under git, one commit."""
    root = tmp_path / "repo"
    for part in ("environments", "templates", "modules"):
        shutil.copytree(PROJECT / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "main.py", root)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    return root


def commit(root: Path, message: str) -> None:
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "commit", "-qam", message], check=True)


WIDER_READ = ('"Action": ["s3:GetObject"', '"Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"')


def widen_read_template(templates: Path) -> None:
    read = templates / "policies" / "read.json.j2"
    read.write_text(read.read_text().replace(*WIDER_READ))


def test_a_template_widening_is_seen_through_base_ref(tmp_path: Path):
    root = git_project(tmp_path)
    widen_read_template(root / "templates")
    commit(root, "read may write")
    result = run_report("--base-ref", "HEAD~1", "--env", "dev", "--fail-on", "widened", cwd=root)
    assert result.returncode == 3
    assert "- **widened**: group `analysts` gains write, delete on `analysts/`\n" in result.stdout
    assert result.stderr == (
        "base: environments HEAD~1:environments, templates HEAD~1:templates/policies\n"
        "error: the diff holds widened changes (--fail-on)\n"
    )
    assert not any(p.name.startswith("groupfolders-base-") for p in Path(tempfile.gettempdir()).iterdir())


def test_base_ref_reads_the_base_not_the_working_tree(tmp_path: Path):
    """An uncommitted widening is in the head only; the base at HEAD does not see it."""
    root = git_project(tmp_path)
    widen_read_template(root / "templates")
    result = run_report("--base-ref", "HEAD", "--env", "dev", cwd=root)
    assert "- **widened**: group `analysts` gains write, delete on `analysts/`\n" in result.stdout
    commit(root, "read may write")
    assert run_report("--base-ref", "HEAD", "--env", "dev", cwd=root).stdout == NO_CHANGE


def test_base_environments_take_the_templates_beside_them(tmp_path: Path):
    base = tmp_path / "base"
    shutil.copytree(PROJECT / "environments", base / "environments")
    shutil.copytree(PROJECT / "templates", base / "templates")
    widen_read_template(base / "templates")  # the base was wider: the head narrows
    result = run_report("--base-environments", str(base / "environments"), "--env", "dev")
    assert "- **narrowed**: group `analysts` loses write, delete on `analysts/`\n" in result.stdout
    assert result.stderr.startswith(f"base: environments {base / 'environments'}, templates ")


def test_an_unknown_ref_is_a_configuration_error(tmp_path: Path):
    root = git_project(tmp_path)
    result = run_report("--base-ref", "no-such-ref", cwd=root)
    assert (result.returncode, result.stderr) == (
        2,
        "1 configuration problem(s):\n  --base-ref: git rev-parse failed: 'no-such-ref' is not a commit "
        "of this repository\n",
    )


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../etc/passwd"], ids=["absolute", "outside"])
def test_a_base_with_a_link_out_of_its_files_is_refused_in_one_line(tmp_path: Path, target: str):
    """git stores a symbolic link as any file; read from the base, it must not reach out of it."""
    root = git_project(tmp_path)
    (root / "environments" / "_link.yaml").symlink_to(target)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "environments/_link.yaml"], check=True)
    commit(root, "a link")
    result = run_report("--base-ref", "HEAD", "--env", "dev", cwd=root)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"1 configuration problem(s):\n  HEAD:environments/_link.yaml: is a link to {target}, outside the "
        "files of HEAD: the base is read only from those files\n"
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            (
                "dev.yaml",
                "user_pool: {name: groupfolders-dev, deletion_protection: false}",
                "user_pool: {existing_id: eu-west-1_D3vPool1, existing_client_id: abc}",
            ),
            [
                "- **widened**: user pool: `existing eu-west-1_D3vPool1 (app client abc)` "
                "(was: `new groupfolders-dev`)\n",
                "- **data loss**: user pool `groupfolders-dev` was created here and is no longer: apply destroys "
                "it and its users (was: `new groupfolders-dev`; now: `existing eu-west-1_D3vPool1 (app client "
                "abc)`)\n",
            ],
        ),
        (
            ("dev.yaml", "name: acme-groupfolders-dev", "name: acme-groupfolders-dev2"),
            ["- **widened**: bucket: `new acme-groupfolders-dev2` (was: `new acme-groupfolders-dev`)\n"],
        ),
        (
            ("dev.yaml", "users_without_group: private_only", "users_without_group: deny"),
            ["- **narrowed**: ambiguous role resolution: `Deny` (was: `AuthenticatedRole`)\n"],
        ),
        (
            ("_groups.yaml", "role_mapping: token", "role_mapping: rules"),
            ["- **widened**: role mapping: `rules` (was: `token`)\n"],
        ),
    ],
    ids=["pool", "bucket", "no-group", "mapping"],
)
def test_settings_that_move_access_elsewhere_are_widenings(tmp_path: Path, edit, expected):
    head = tmp_path / "head"
    shutil.copytree(PROJECT / "environments", head)
    file, old, new = edit
    edited = head / file
    assert old in edited.read_text(), "the example changed: update this test"
    edited.write_text(edited.read_text().replace(old, new))
    result = run_report("--environments", str(head), "--base-environments", "environments", "--env", "dev")
    assert result.returncode == 0, result.stderr
    for line in expected:
        assert line in result.stdout


def test_deletion_protection_turned_off_is_data_loss(tmp_path: Path):
    head = tmp_path / "head"
    shutil.copytree(PROJECT / "environments", head)
    staging = head / "staging.yaml"
    staging.write_text(
        staging.read_text().replace(
            "{name: groupfolders-staging}", "{name: groupfolders-staging, deletion_protection: false}"
        )
    )
    result = run_report(
        "--environments",
        str(head),
        "--base-environments",
        "environments",
        "--env",
        "staging",
        "--fail-on",
        "data loss",
    )
    assert result.returncode == 3
    assert "- **data loss**: user pool deletion protection: `off` (was: `on`)\n" in result.stdout


# --- the Mermaid diagram (golden above; here what the goldens cannot show)


def test_mermaid_labels_cannot_break_out_of_their_quotes():
    hostile = 'a"] --> x[b|c <i>#1'
    assert mermaid_text(hostile) == "a#34;#93; --#62; x#91;b#124;c #60;i#62;#35;1"
    assert mermaid_text("finance/reports/ (2024)") == "finance/reports/ (2024)"
    (_, line) = mermaid([Edge(hostile, "f/", hostile)]).splitlines()
    node_id = line.split('["')[0].strip()
    assert re.fullmatch(r"g_[0-9a-f]{10}", node_id)
    assert line.count('"') == 6  # three quoted labels (group, edge, folder), nothing else


def test_mermaid_nodes_are_declared_once_with_ids_from_their_names():
    text = mermaid([Edge("a", "x/", "read"), Edge("b", "x/", "write"), Edge("a", "y/", "list")])
    lines = text.splitlines()
    folder = lines[1].split("| ")[1].split("[")[0]
    assert lines[2].endswith(f"| {folder}")  # the second edge reuses the node
    group = lines[1].split("[")[0].strip()
    assert lines[3].startswith(f"  {group} -->")  # and so does the group
    assert mermaid([Edge("a", "y/", "list")]).splitlines()[1].split("[")[0].strip() == group


def test_widenings_are_highlighted_and_a_change_without_a_folder_is_not_drawn():
    found = [
        Change("dev", "a", "widened", "x/", ("write",)),
        Change("dev", "b", "narrowed", "y/", ("delete",)),
        Change("dev", "", "changed", "", (), "role mapping: rules (was: token)"),
    ]
    fenced = changes_diagram(found).splitlines()
    assert (fenced[0], fenced[-1]) == ("```mermaid", "```")
    lines = fenced[1:-1]
    assert [line.split()[0] for line in lines[3:]] == ["classDef", "class", "linkStyle"] * 2
    assert lines[-3].startswith("  classDef widened") and lines[-1] == (
        "  linkStyle 0 stroke:#d73a49,stroke-width:3px"
    )
    assert lines[-4] == "  linkStyle 1 stroke:#6a737d,stroke-dasharray:4"
    assert changes_diagram(found[2:]) == ""


# --- widenings that no single group's grants show


def union_environments(tmp_path: Path, folders_per_level: int, name: str) -> Path:
    """tags mode; a member of a and b holds two read folders."""
    directory = tmp_path / name
    directory.mkdir()
    (directory / "u.yaml").write_text(
        "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\nbucket: {name: demo-bucket}\n"
        f"identity_pool: {{role_mapping: tags, folders_per_level: {folders_per_level}}}\n"
        "groups: [{name: a, access: read, precedence: 1}, {name: b, access: read, precedence: 2}]\n"
    )
    return directory


def test_tags_mode_more_folders_per_level_widens_what_members_of_several_groups_get(tmp_path: Path):
    base, head = union_environments(tmp_path, 1, "base"), union_environments(tmp_path, 2, "head")
    result = run_report("--environments", str(head), "--base-environments", str(base), "--fail-on", "widened")
    assert result.returncode == 3
    assert "- **widened**: folders per level: `2` (was: `1`)\n" in result.stdout
    assert (
        "- **widened**: a member of `a` and `b` now gets the union of their folders (was: only the private "
        "folder (`read` folders exceed folders_per_level 1)): gains list, read on `a/`, `b/`\n"
    ) in result.stdout
    assert "users in several groups get the first of" not in result.stdout
    narrowed = run_report("--environments", str(base), "--base-environments", str(head))
    assert "- **narrowed**: folders per level: `1` (was: `2`)\n" in narrowed.stdout


def test_a_new_cors_origin_widens_and_dropping_one_narrows(tmp_path: Path):
    head = tmp_path / "head"
    shutil.copytree(PROJECT / "environments", head)
    dev = head / "dev.yaml"
    wider = dev.read_text().replace(
        "cors_origins: [https://dev.app.example.com]", "cors_origins: ['*'], cors_any_origin: true"
    )
    assert wider != dev.read_text(), "the example changed: update this test"
    dev.write_text(wider)
    result = run_report("--environments", str(head), "--base-environments", "environments", "--env", "dev")
    assert "- **widened**: cors origins: `*` (was: `https://dev.app.example.com`)\n" in result.stdout
    back = run_report("--environments", "environments", "--base-environments", str(head), "--env", "dev")
    assert "- **narrowed**: cors origins: `https://dev.app.example.com` (was: `*`)\n" in back.stdout
    dev.write_text(
        wider.replace("['*'], cors_any_origin: true", "[https://dev.app.example.com, https://b.example.com]")
    )
    more = run_report("--environments", str(head), "--base-environments", "environments", "--env", "dev")
    assert (
        "- **widened**: cors origins: `https://b.example.com, https://dev.app.example.com` (was: "
        in more.stdout
    )


def test_versioning_turned_on_widens_reading_to_old_versions(tmp_path: Path):
    def environment(versioned: str) -> Path:
        directory = tmp_path / versioned
        directory.mkdir()
        (directory / "e.yaml").write_text(
            "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\n"
            f"bucket: {{existing: demo-bucket, versioned: {versioned}}}\n"
            "groups: [{name: a, access: read, precedence: 1}]\n"
        )
        return directory

    result = run_report(
        "--environments", str(environment("true")), "--base-environments", str(environment("false"))
    )
    assert (
        "- **widened**: group `a`: actions on `a/`: s3:GetObject, s3:GetObjectVersion, s3:ListBucket, "
        "s3:ListBucketVersions (was: s3:GetObject, s3:ListBucket)\n"
    ) in result.stdout
