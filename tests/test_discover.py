"""`discover` against moto: the seed case becomes a valid environment that adopts it, read-only."""

from __future__ import annotations

import json
import sys

import pytest
import yaml

from modules.cli import main
from modules.discover.command import Request, discover
from modules.discover.levels import Bucket, infer_level
from modules.discover.read import READ_OPERATIONS
from modules.discover.render import HEADER
from modules.policies.documents import RoleScope, group_policy
from modules.policies.templates import TEMPLATE_DIRECTORY, access_levels
from modules.validation import load_valid_environments
from tests.aws_fakes import BUCKET, BUCKET_ARN, REGION, RecordingSession, moto_session, seed_estate

IDENTITY_POOL = "eu-west-1:0123abcd-0123-4567-89ab-0123456789ab"


def run(session, seed, capsys, **given) -> tuple[int, str, str]:
    request = Request(
        user_pool_id=seed.pool_id,
        bucket=BUCKET,
        identity_pool_id=given.get("identity_pool_id"),
        region=None,
        output=given.get("output"),
        templates=TEMPLATE_DIRECTORY,
    )
    code = discover(request, session)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def estate():
    with moto_session() as session:
        yield session, seed_estate(session)


def test_the_seed_case_becomes_an_environment_that_validates_and_adopts_it(estate, capsys, tmp_path):
    session, seed = estate
    code, text, _ = run(session, seed, capsys)
    assert code == 0
    (tmp_path / "adopted.yaml").write_text(text)
    (environment,) = load_valid_environments(tmp_path)
    assert environment.user_pool.existing_id == seed.pool_id
    assert environment.user_pool.existing_client_id == seed.client_id
    assert environment.user_pool.adopt_groups is True
    assert (environment.bucket.existing, environment.bucket.versioned) == (BUCKET, True)
    groups = {g.name: (g.access, g.precedence, g.folders, g.description) for g in environment.groups}
    assert groups == {
        "analysts": ("list", 20, ("analysts/",), ""),
        "finance": ("read", 10, ("finance/",), 'Reports: "Q1"\n'),
        "uploads": ("list", 30, ("uploads/",), ""),
    }
    assert all(environment.adopts(group) for group in environment.groups)
    assert environment.identity_pool.existing_id is None  # none given: groupfolders creates one


def test_what_did_not_match_is_said_in_comments(estate, capsys):
    session, seed = estate
    _, text, _ = run(session, seed, capsys)
    comments = [line.strip() for line in text.splitlines() if line.strip().startswith("#")]
    assert comments[0] == HEADER
    assert f'# finance: role "{seed.roles["finance"]}": its policy is exactly access level read' in comments
    assert (
        f'# analysts: role "{seed.roles["analysts"]}": its policy (5 statements) is no access level '
        "exactly; the closest is readwrite with the private folder; beyond it: Allow "
        f"s3:DeleteObjectVersion on {BUCKET_ARN}/analysts/*; access list, the safest level"
    ) in comments
    assert "# uploads: the group has no role; access list, the safest level" in comments
    assert "# uploads: the group has no precedence; 30 is written (lower wins)" in comments
    assert '# Folders without a group (no role groupfolders creates reaches them): "archive/"' in comments
    assert '# Groups without a folder of their name: "uploads"' in comments
    assert (
        "# Groups left out, their names outside letters, digits, '-', '_', '.' (groupfolders' safe "
        'names): "has space"'
    ) in comments
    # private/ is where private folders live, not a folder without a group
    assert not any('"private/"' in line for line in comments)


def test_a_role_whose_policies_cannot_be_read_is_said_and_gets_list(estate, capsys, tmp_path):
    session, seed = estate
    gone = "arn:aws:iam::123456789012:role/deleted-role"
    session.client("cognito-idp").create_group(
        UserPoolId=seed.pool_id, GroupName="archive", RoleArn=gone, Precedence=40
    )
    _, text, _ = run(session, seed, capsys)
    assert (
        f'  # archive: role "{gone}": its policies could not be read (NoSuchEntity); access list, the safest level'
        in text.splitlines()
    )
    (tmp_path / "adopted.yaml").write_text(text)
    (environment,) = load_valid_environments(tmp_path)
    assert next(g.access for g in environment.groups if g.name == "archive") == "list"
    assert "Folders without a group" not in text  # archive/ now has its group


def test_discover_only_reads(estate, capsys):
    session, seed = estate
    recording = RecordingSession(session)
    assert run(recording, seed, capsys)[0] == 0
    assert set(recording.calls) <= READ_OPERATIONS
    assert {"ListGroups", "ListObjectsV2", "GetRolePolicy", "GetPolicyVersion"} <= set(recording.calls)
    assert all(name.startswith(("List", "Get", "Describe")) for name in READ_OPERATIONS)


def test_the_recording_would_see_a_write(estate):
    session, seed = estate
    recording = RecordingSession(session)
    recording.client("cognito-idp").create_group(UserPoolId=seed.pool_id, GroupName="new")
    assert recording.calls == ["CreateGroup"]
    assert not set(recording.calls) <= READ_OPERATIONS


def test_the_same_estate_gives_the_same_bytes(estate, capsys):
    session, seed = estate
    assert run(session, seed, capsys)[1] == run(session, seed, capsys)[1]


def test_folders_are_read_page_by_page(estate, capsys, tmp_path):
    session, seed = estate
    s3 = session.client("s3")
    for index in range(1000):
        s3.put_object(Bucket=BUCKET, Key=f"many-{index:04}/x", Body=b"")
    recording = RecordingSession(session)
    _, text, _ = run(recording, seed, capsys)
    assert recording.calls.count("ListObjectsV2") == 2
    assert '"many-0999/"' in text and '"archive/"' in text


def test_an_identity_pool_gives_its_id_mapping_and_client(estate, capsys, tmp_path):
    session, seed = estate
    idp = session.client("cognito-idp")
    other = idp.create_user_pool_client(UserPoolId=seed.pool_id, ClientName="admin")["UserPoolClient"]
    provider = f"cognito-idp.{REGION}.amazonaws.com/{seed.pool_id}"
    described = {
        "IdentityPoolId": IDENTITY_POOL,
        "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": seed.client_id}],
    }
    roles = {
        "IdentityPoolId": IDENTITY_POOL,
        "Roles": {"authenticated": "arn:aws:iam::123456789012:role/default"},
        "RoleMappings": {
            f"{provider}:{seed.client_id}": {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}
        },
    }
    recording = RecordingSession(
        session,
        extra={
            "cognito-identity": {
                "describe_identity_pool": lambda **_: described,
                "get_identity_pool_roles": lambda **_: roles,
            }
        },
    )
    code, text, _ = run(recording, seed, capsys, identity_pool_id=IDENTITY_POOL)
    assert code == 0
    (tmp_path / "adopted.yaml").write_text(text)
    (environment,) = load_valid_environments(tmp_path)
    pool = environment.identity_pool
    assert (pool.existing_id, pool.role_mapping, pool.users_without_group) == (
        IDENTITY_POOL,
        "token",
        "private_only",
    )
    # two app clients: the one the identity pool trusts, and both named in a comment
    assert environment.user_pool.existing_client_id == seed.client_id
    clients = ", ".join(f'"{c}"' for c in sorted([seed.client_id, other["ClientId"]]))
    assert f"  # the pool's app clients: {clients}; give your app's" in text.splitlines()


@pytest.mark.parametrize(
    ("mappings", "written"),
    [
        ({"Type": "Rules", "AmbiguousRoleResolution": "Deny"}, ("rules", "deny")),
        (None, ("token", "deny")),
    ],
)
def test_the_identity_pools_mapping_decides_role_mapping(estate, capsys, tmp_path, mappings, written):
    session, seed = estate
    provider = f"cognito-idp.{REGION}.amazonaws.com/{seed.pool_id}"
    roles = {"IdentityPoolId": IDENTITY_POOL, "Roles": {}, "RoleMappings": {}}
    if mappings:
        roles["RoleMappings"] = {f"{provider}:{seed.client_id}": mappings}
    described = {"IdentityPoolId": IDENTITY_POOL, "CognitoIdentityProviders": []}
    recording = RecordingSession(
        session,
        extra={
            "cognito-identity": {
                "describe_identity_pool": lambda **_: described,
                "get_identity_pool_roles": lambda **_: roles,
            }
        },
    )
    _, text, _ = run(recording, seed, capsys, identity_pool_id=IDENTITY_POOL)
    (tmp_path / "adopted.yaml").write_text(text)
    (environment,) = load_valid_environments(tmp_path)
    assert (environment.identity_pool.role_mapping, environment.identity_pool.users_without_group) == written
    note = "  # no role mapping for this user pool was found: token, the default, is written"
    assert (note in text.splitlines()) == (mappings is None)


def test_output_in_a_missing_directory_is_one_line(estate, capsys, tmp_path):
    session, seed = estate
    code, out, err = run(session, seed, capsys, output=tmp_path / "nowhere" / "adopted.yaml")
    assert (code, out, err) == (
        2,
        "",
        f"error: {tmp_path / 'nowhere'} is not a directory: give --output a file in one\n",
    )


def test_output_is_written_and_replaced_only_while_it_is_ours(estate, capsys, tmp_path):
    session, seed = estate
    output = tmp_path / "adopted.yaml"
    code, out, err = run(session, seed, capsys, output=output)
    assert (code, out, err) == (0, "", f"wrote {output}\n")
    assert output.read_text().startswith(HEADER + "\n")
    assert run(session, seed, capsys, output=output)[0] == 0  # still ours: replaced
    output.write_text(output.read_text().removeprefix(HEADER + "\n"))  # edited: the header is gone
    before = output.read_bytes()
    code, out, err = run(session, seed, capsys, output=output)
    assert (code, out) == (2, "")
    assert err == (
        f"error: {output} exists and discover did not write it (or it was edited): choose another --output\n"
    )
    assert output.read_bytes() == before
    assert list(tmp_path.iterdir()) == [output]  # no temporary file left behind


def test_a_refused_read_is_one_line(estate, capsys):
    session, _ = estate
    request = Request("eu-west-1_Missing1", BUCKET, None, None, None, TEMPLATE_DIRECTORY)
    code = discover(request, session)
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("error: reading AWS failed: An error occurred (ResourceNotFoundException)")
    assert err.count("\n") == 1


def test_the_cli_runs_discover_with_the_callers_credentials(estate, capsys):
    _, seed = estate
    code = main(["discover", "--user-pool-id", seed.pool_id, "--bucket", BUCKET])
    out, _ = capsys.readouterr()
    assert code == 0
    assert yaml.safe_load(out)["user_pool"]["existing_id"] == seed.pool_id


def test_without_boto3_discover_says_how_to_get_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "boto3", None)
    code = main(["discover", "--user-pool-id", "eu-west-1_Abc", "--bucket", BUCKET])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: this command calls AWS through boto3, which is not installed: "
        "pip install 'groupfolders[aws]'\n"
    )


# --- the policy → level matcher on its own

BUCKET_SCOPE = Bucket(BUCKET_ARN, True, REGION, None)


@pytest.mark.parametrize("level", access_levels(TEMPLATE_DIRECTORY))
@pytest.mark.parametrize("private", [True, False])
def test_every_level_is_recognised_in_any_order_and_spelling(level, private):
    scope = RoleScope(BUCKET_ARN, True, REGION, None, private)
    statements = group_policy(level, ("team/",), scope)["Statement"]
    respelled = [
        {**{k: v for k, v in s.items() if k != "Sid"}, "Action": list(reversed(s["Action"]))}
        for s in reversed(statements)
    ]
    respelled = [{**s, "Action": s["Action"][0]} if len(s["Action"]) == 1 else s for s in respelled]
    inference = infer_level("team", tuple(respelled), BUCKET_SCOPE, TEMPLATE_DIRECTORY)
    assert (inference.level, inference.matched, inference.private_folder) == (level, True, private)


def test_a_policy_on_another_folder_is_no_level():
    scope = RoleScope(BUCKET_ARN, True, REGION, None, True)
    statements = group_policy("read", ("elsewhere/",), scope)["Statement"]
    inference = infer_level("team", tuple(statements), BUCKET_SCOPE, TEMPLATE_DIRECTORY)
    assert (inference.level, inference.matched) == ("list", False)
    assert "the closest is list with the private folder; beyond it: " in inference.reason
    assert (
        "Allow s3:GetObject, s3:GetObjectVersion on arn:aws:s3:::acme-files/elsewhere/*" in inference.reason
    )
    assert inference.reason.endswith(
        "lacking: Allow s3:ListBucket, s3:ListBucketVersions on arn:aws:s3:::acme-files with a condition"
    )


def test_an_unversioned_bucket_matches_the_unversioned_rendering():
    scope = RoleScope(BUCKET_ARN, False, REGION, None, True)
    statements = tuple(group_policy("readwrite", ("team/",), scope)["Statement"])
    unversioned = Bucket(BUCKET_ARN, False, REGION, None)
    assert infer_level("team", statements, unversioned, TEMPLATE_DIRECTORY).level == "readwrite"
    assert infer_level("team", statements, BUCKET_SCOPE, TEMPLATE_DIRECTORY).matched is False
    assert json.dumps(statements)  # plain data
