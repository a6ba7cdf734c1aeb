"""Accounts: `account_id` and `deploy_role_arn` reach the provider, and the checks across
environments count per account. Each negative case beside the positive one it breaks."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from modules.errors import ConfigError
from modules.validation import load_valid_environments
from tests.conftest import BAD_INPUTS, load_stack

ACROSS = BAD_INPUTS / "across"


def problems(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(directory)
    return [str(problem) for problem in caught.value.problems]


def reasons(directory: Path) -> list[str]:
    """The problems without their file positions."""
    return [problem.split(": ", 2)[2] for problem in problems(directory)]


def environment(directory: Path, name: str, *, account: str | None, groups: int = 1, extra: str = "") -> None:
    listed = "\n".join(f"  - {{name: g{i:03}, access: read, precedence: {i}}}" for i in range(groups))
    text = (
        f"app: demo\nregion: eu-west-1\n{f'account_id: {account!r}' if account else ''}\n"
        f"user_pool: {{name: pool-{name}}}\nbucket: {{name: demo-{name}}}\n{extra}groups:\n{listed}\n"
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.yaml").write_text(text)


def copy_of(case: str, tmp_path: Path, edit: Callable[[str], str]) -> Path:
    """A case of the corpus, every file edited (its `# expect:` lines dropped)."""
    directory = tmp_path / case
    shutil.copytree(ACROSS / case, directory)
    for path in directory.glob("*.yaml"):
        kept = [line for line in path.read_text().splitlines() if not line.startswith("# expect: ")]
        path.write_text(edit("\n".join(kept) + "\n"))
    return directory


# --- role names: unique per account, without case


def test_two_accounts_may_reuse_a_role_name(tmp_path: Path):
    """tests/bad_inputs/across/role-name-one-account/ is refused; in two accounts it passes."""
    directory = copy_of(
        "role-name-one-account",
        tmp_path,
        lambda text: text.replace(
            '"111111111111"\nuser_pool: {name: pool-two}', '"333333333333"\nuser_pool: {name: pool-two}'
        ),
    )
    assert [e.name for e in load_valid_environments(directory)] == ["b-c", "c"]


def test_an_environment_without_account_id_may_share_any_account(tmp_path: Path):
    directory = copy_of(
        "role-name-one-account",
        tmp_path,
        lambda text: text.replace(
            'account_id: "111111111111"\nuser_pool: {name: pool-two}', "user_pool: {name: pool-two}"
        ),
    )
    assert reasons(directory) == [
        "role name 'a-b-c-no-group' is also the role of users without a group of environment 'b-c' "
        f"({directory}/b-c.yaml); IAM role names are unique in an account, without regard to case (an "
        "environment without account_id may share any account): change app or the group's name",
        "identity pool name 'a-b-c' (app-environment) in eu-west-1 is also the identity pool of environment "
        f"'b-c' ({directory}/b-c.yaml); change app: names joined with '-' must not coincide",
        "role name 'a-b-c-team' is also the role of group 'team' of environment 'b-c' "
        f"({directory}/b-c.yaml); IAM role names are unique in an account, without regard to case (an "
        "environment without account_id may share any account): change app or the group's name",
    ]


# --- the role quota adds up per account


QUOTA = (
    "IAM allows 1,000 roles per account (default quota), and other stacks in the same account count too; "
    "to go further, raise IAM's 'Roles per account' in Service Quotas (up to 5,000) and set "
    "limits.iam_roles_per_account"
)


def test_the_role_quota_adds_up_per_account(tmp_path: Path):
    """501 roles each: 1,002 in one account are too many, 501 in each of two are not."""
    environment(tmp_path / "one", "a", account="222222222222", groups=500)
    environment(tmp_path / "one", "b", account="222222222222", groups=500)
    assert reasons(tmp_path / "one") == [
        f"1,002 roles in account 222222222222: this environment's and those of environment 'a' "
        f"({tmp_path}/one/a.yaml); {QUOTA}"
    ]
    environment(tmp_path / "two", "a", account="222222222222", groups=500)
    environment(tmp_path / "two", "b", account="333333333333", groups=500)
    assert len(load_valid_environments(tmp_path / "two")) == 2


def test_an_environment_without_account_id_counts_in_every_account(tmp_path: Path):
    environment(tmp_path, "a", account="222222222222", groups=500)
    environment(tmp_path, "b", account="333333333333", groups=100)
    environment(tmp_path, "c", account=None, groups=500)
    assert reasons(tmp_path) == [
        f"1,002 roles in account 222222222222: this environment's and those of environment 'a' "
        f"({tmp_path}/a.yaml); {QUOTA}"
    ]


def test_environments_without_account_id_are_one_account(tmp_path: Path):
    """501 + 499 roles fill the default quota exactly; one more is refused."""
    environment(tmp_path / "full", "a", account=None, groups=500)
    environment(tmp_path / "full", "b", account=None, groups=498)
    assert len(load_valid_environments(tmp_path / "full")) == 2
    environment(tmp_path / "over", "a", account=None, groups=500)
    environment(tmp_path / "over", "b", account=None, groups=499)
    (problem,) = problems(tmp_path / "over")
    assert problem == (
        f"{tmp_path}/over/b.yaml:6:1: groups: 1,001 roles in one account (no account_id): this "
        f"environment's and those of environment 'a' ({tmp_path}/over/a.yaml); {QUOTA}"
    )


def test_a_raised_quota_of_the_account_counts(tmp_path: Path):
    environment(
        tmp_path, "a", account="222222222222", groups=500, extra="limits: {iam_roles_per_account: 2000}\n"
    )
    environment(tmp_path, "b", account="222222222222", groups=500)
    assert len(load_valid_environments(tmp_path)) == 2


# --- pool names per account and region; new bucket names everywhere


def test_pool_names_are_unique_per_account_and_region(tmp_path: Path):
    environment(tmp_path / "two", "a", account="222222222222")
    environment(tmp_path / "two", "b", account="333333333333")
    (tmp_path / "two" / "b.yaml").write_text(
        (tmp_path / "two" / "b.yaml").read_text().replace("pool-b", "pool-a")
    )
    assert len(load_valid_environments(tmp_path / "two")) == 2
    environment(tmp_path / "one", "a", account="222222222222")
    environment(tmp_path / "one", "b", account="222222222222")
    (tmp_path / "one" / "b.yaml").write_text(
        (tmp_path / "one" / "b.yaml").read_text().replace("pool-b", "pool-a")
    )
    assert reasons(tmp_path / "one") == [
        "user pool name 'pool-a' in eu-west-1 of account 222222222222 is also the user pool of environment "
        f"'a' ({tmp_path}/one/a.yaml); give each environment's pool its own name"
    ]


def test_new_bucket_names_are_global_whatever_the_accounts(tmp_path: Path):
    environment(tmp_path, "a", account="222222222222")
    environment(tmp_path, "b", account="333333333333")
    (tmp_path / "b.yaml").write_text((tmp_path / "b.yaml").read_text().replace("demo-b", "demo-a"))
    found = reasons(tmp_path)  # the folders of the one bucket overlap too
    assert [
        f"new bucket 'demo-a' is also the new bucket of environment 'a' ({tmp_path}/a.yaml); S3 bucket "
        "names are global, and one environment creates a bucket: the other says existing",
        f"its log bucket 'demo-a-logs' is also the access-log bucket of environment 'a' ({tmp_path}/a.yaml); "
        "S3 bucket names are global, and one environment creates a bucket: the other says existing",
    ] == [reason for reason in found if "bucket names are global" in reason]


# --- one environment per group of a shared pool


def test_environments_on_one_pool_with_other_groups_pass(tmp_path: Path):
    """tests/bad_inputs/across/same-pool-group/ is refused; other group names pass."""
    directory = copy_of("same-pool-group", tmp_path, lambda text: text.replace("name: Team", "name: team2"))
    assert [e.name for e in load_valid_environments(directory)] == ["one", "two"]


def test_two_environments_may_not_both_adopt_a_group(tmp_path: Path):
    directory = copy_of(
        "same-pool-group",
        tmp_path,
        lambda text: text.replace(
            "existing_client_id: one1}", "existing_client_id: one1, adopt_groups: true}"
        ),
    )
    (problem,) = problems(directory)
    assert problem.startswith(
        f"{directory}/two.yaml:9:6: groups[1].name: group 'Team' of user pool eu-west-1_Sh4red is also a "
        f"group it adopts of environment 'one' ({directory}/one.yaml); "
    )


# --- the provider and the ARNs of the account


@pytest.fixture(scope="module")
def deployed(synth_dir: Callable[[Path], Path], tmp_path_factory: pytest.TempPathFactory) -> dict:
    directory = tmp_path_factory.mktemp("accounts")
    environment(
        directory,
        "prod",
        account="222222222222",
        extra="deploy_role_arn: arn:aws:iam::222222222222:role/ci/deploy\n",
    )
    return load_stack(synth_dir(directory), "prod")


def test_account_and_deploy_role_reach_the_provider(deployed: dict):
    (provider,) = deployed["provider"]["aws"]
    assert provider["allowed_account_ids"] == ["222222222222"]
    assert provider["assume_role"] == [
        {"role_arn": "arn:aws:iam::222222222222:role/ci/deploy", "session_name": "groupfolders-prod"}
    ]


def test_arns_of_the_environments_account_pass(tmp_path: Path):
    """tests/bad_inputs/{deploy-role,exempt-principal,kms-key}-other-account.yaml are refused; of
    the environment's own account, or without account_id (nothing to compare with), they pass."""
    key = "arn:aws:kms:eu-west-1:222222222222:key/0123abcd-0123-4567-89ab-0123456789ab"
    settings = (
        "deploy_role_arn: arn:aws:iam::222222222222:role/deploy\n"
        f"bucket: {{existing: demo-shared, kms_key_arn: '{key}'}}\n"
    )
    guard = "bucket: {name: demo-b, folder_guard: true, exempt_principals: [arn:aws:iam::222222222222:role/backup]}\n"
    for account in ("222222222222", None):
        directory = tmp_path / str(account)
        environment(directory, "a", account=account, extra=settings)
        environment(directory, "b", account=account, extra=guard)
        for name in ("a", "b"):
            path = directory / f"{name}.yaml"
            path.write_text(path.read_text().replace(f"bucket: {{name: demo-{name}}}\n", "", 1))
        assert len(load_valid_environments(directory)) == 2


# --- the diff: where a stack deploys is neutral


def test_account_and_deploy_role_changes_are_neutral_in_the_diff(tmp_path: Path):
    from modules.access_model import environment_access  # noqa: PLC0415
    from modules.access_report import changes  # noqa: PLC0415

    role = "arn:aws:iam::222222222222:role/deploy"
    environment(tmp_path / "base", "a", account=None)
    environment(tmp_path / "head", "a", account="222222222222", extra=f"deploy_role_arn: {role}\n")
    base, head = (
        [environment_access(e) for e in load_valid_environments(tmp_path / side)] for side in ("base", "head")
    )
    assert [(c.kind, c.detail) for c in changes(base, head)] == [
        ("changed", "account: `222222222222` (was: `not given`)"),
        ("changed", f"deploy role: `{role}` (was: `the caller's credentials`)"),
    ]
