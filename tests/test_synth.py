"""Layer 3: the synthesized stacks. One synth per session, shared by every test here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import BASE, EXAMPLES, PROJECT, load_stack
from tests.stack_checks import blocks, dangling_references, non_references

SNAPSHOTS = PROJECT / "tests" / "snapshots"
ENVIRONMENTS = ("dev", "prod", "staging")  # a role per group (token, rules)
SNAPSHOTTED = (*ENVIRONMENTS, "union")  # union: role_mapping tags (tests/test_tags.py)
GROUPS = ("analysts", "editors", "finance", "uploads")


@pytest.fixture(scope="session")
def stacks(example_out: Path) -> dict[str, dict]:
    return {env: load_stack(example_out, env) for env in SNAPSHOTTED}


@pytest.fixture(scope="session")
def testing_json() -> dict[str, str]:
    """The example stacks through cdktf.Testing, as its matchers expect them."""
    from cdktf import Testing  # noqa: PLC0415

    from modules.stack import GroupFoldersStack  # noqa: PLC0415
    from modules.validation import load_valid_environments  # noqa: PLC0415

    app = Testing.app()
    return {env.name: Testing.synth(GroupFoldersStack(app, env)) for env in load_valid_environments(EXAMPLES)}


def variant(tmp_path_factory: pytest.TempPathFactory, edit: Callable[[str], str]) -> Path:
    """A copy of the example environments with the shared group file edited."""
    directory = tmp_path_factory.mktemp("environments")
    shutil.copytree(EXAMPLES, directory, dirs_exist_ok=True)
    shared = directory / "_groups.yaml"
    shared.write_text(edit(shared.read_text()))
    return directory


def stack_bytes(outdir: Path) -> dict[str, bytes]:
    return {env: (outdir / "stacks" / env / "cdk.tf.json").read_bytes() for env in ENVIRONMENTS}


# --- cdktf.Testing: positive and negative assertions


def test_identity_pool_refuses_guests(testing_json):
    from cdktf import Testing  # noqa: PLC0415

    for stack in testing_json.values():
        assert Testing.to_have_resource_with_properties(
            stack, "aws_cognito_identity_pool", {"allow_unauthenticated_identities": False}
        )
        assert not Testing.to_have_resource_with_properties(
            stack, "aws_cognito_identity_pool", {"allow_unauthenticated_identities": True}
        )
        assert Testing.to_have_resource_with_properties(
            stack,
            "aws_cognito_identity_pool",
            {"cognito_identity_providers": [{"server_side_token_check": True}]},
        )
        # Every group role trusts the same pool (aud) and amr: with the classic (basic) flow a
        # signed-in user could call STS for any group's role; only the enhanced flow picks it.
        assert Testing.to_have_resource_with_properties(
            stack, "aws_cognito_identity_pool", {"allow_classic_flow": False}
        )
        assert not Testing.to_have_resource_with_properties(
            stack, "aws_cognito_identity_pool", {"allow_classic_flow": True}
        )


def test_every_group_has_a_cognito_group_with_its_role(testing_json):
    from cdktf import Testing  # noqa: PLC0415

    stack = testing_json["dev"]
    for name, precedence in (("analysts", 30), ("editors", 20), ("finance", 10), ("uploads", 40)):
        assert Testing.to_have_resource_with_properties(
            stack,
            "aws_cognito_user_group",
            {"name": name, "precedence": precedence, "role_arn": f"${{aws_iam_role.group_{name}_role.arn}}"},
        )
    assert not Testing.to_have_resource_with_properties(stack, "aws_cognito_user_group", {"name": "admins"})


def test_token_mapping_denies_ambiguous_roles(testing_json):
    from cdktf import Testing  # noqa: PLC0415

    mapping = {"type": "Token", "ambiguous_role_resolution": "Deny"}
    assert Testing.to_have_resource_with_properties(
        testing_json["staging"], "aws_cognito_identity_pool_roles_attachment", {"role_mapping": [mapping]}
    )
    assert not Testing.to_have_resource_with_properties(
        testing_json["dev"], "aws_cognito_identity_pool_roles_attachment", {"role_mapping": [mapping]}
    )


def test_permission_policies_are_policy_documents(testing_json):
    from cdktf import Testing  # noqa: PLC0415

    stack = testing_json["prod"]
    assert Testing.to_have_resource_with_properties(
        stack,
        "aws_iam_role_policy",
        {"policy": "${data.aws_iam_policy_document.group_finance_permissions.json}"},
    )
    assert Testing.to_have_data_source_with_properties(
        stack,
        "aws_iam_policy_document",
        # Testing matches arrays element by element: every statement, in order.
        {
            "statement": [
                {"sid": "GroupListFolders"},
                {
                    "sid": "GroupReadWriteObjects",
                    "actions": [
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:AbortMultipartUpload",
                        "s3:GetObjectVersion",
                    ],
                },
                # The shared folder reports/, at finance's level there.
                {"sid": "SharedReadwriteNodeleteListFolders"},
                {"sid": "SharedReadwriteNodeleteReadWriteObjects"},
                {"sid": "PrivateListFolders"},
                {"sid": "PrivateReadWriteObjects"},
                {"sid": "UseBucketKeyThroughS3", "actions": ["kms:Decrypt", "kms:GenerateDataKey"]},
            ]
        },
    )
    assert not Testing.to_have_data_source_with_properties(
        stack, "aws_iam_policy_document", {"statement": [{"actions": ["s3:*"], "effect": "Allow"}]}
    )


# --- the synthesized files


def trust_of(stack: dict) -> dict:
    body = dict(stack["data"]["aws_iam_policy_document"]["cognito_trust"])
    body.pop("//")
    return body


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_group_role_has_exactly_the_design_trust(stacks, env):
    stack = stacks[env]
    assert trust_of(stack) == {
        "version": "2012-10-17",
        "statement": [
            {
                "sid": "CognitoAuthenticatedIdentities",
                "effect": "Allow",
                "actions": ["sts:AssumeRoleWithWebIdentity"],
                "principals": [{"type": "Federated", "identifiers": ["cognito-identity.amazonaws.com"]}],
                "condition": [
                    {
                        "test": "StringEquals",
                        "variable": "cognito-identity.amazonaws.com:aud",
                        "values": ["${aws_cognito_identity_pool.identities.id}"],
                    },
                    {
                        "test": "ForAnyValue:StringLike",
                        "variable": "cognito-identity.amazonaws.com:amr",
                        "values": ["authenticated"],
                    },
                ],
            }
        ],
    }
    roles = stack["resource"]["aws_iam_role"]
    assert sorted(roles) == sorted([f"group_{g}_role" for g in GROUPS] + ["no_group_role"])
    for role in roles.values():
        assert role["assume_role_policy"] == "${data.aws_iam_policy_document.cognito_trust.json}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_group_policy_reaches_only_its_prefixes_and_the_private_folder(stacks, env):
    stack = stacks[env]
    bucket = f"arn:aws:s3:::acme-groupfolders-{env}"
    private = "private/&{cognito-identity.amazonaws.com:sub}/"
    folders = {  # own folders and the shared reports/
        "analysts": ["analysts/", "reports/"],
        "editors": ["content/", "reports/"],
        "finance": ["finance/reports/", "finance/invoices/", "reports/"],
        "uploads": ["inbox/"],
    }
    for group, own in folders.items():
        document = stack["data"]["aws_iam_policy_document"][f"group_{group}_permissions"]
        s3 = [s for s in document["statement"] if all(a.startswith("s3:") for a in s["actions"])]
        objects = {r for s in s3 for r in s["resources"] if r != bucket}
        assert objects == {f"{bucket}/{p}*" for p in [*own, private]}
        prefixes = {v for s in s3 for c in s.get("condition", []) for v in c["values"]}
        listed = [] if group == "uploads" else own  # write-only: a drop box lists nothing
        assert prefixes == {v for p in [*listed, private] for v in (p, f"{p}*")}


def test_users_without_a_group(stacks):
    assert "no_group_policy" not in stacks["staging"]["resource"]["aws_iam_role_policy"]
    assert "no_group_policy" in stacks["dev"]["resource"]["aws_iam_role_policy"]
    for env, resolution in (("dev", "AuthenticatedRole"), ("staging", "Deny"), ("prod", "Deny")):
        attachment = stacks[env]["resource"]["aws_cognito_identity_pool_roles_attachment"]["identities_roles"]
        assert attachment["role_mapping"][0]["ambiguous_role_resolution"] == resolution
        assert attachment["roles"] == {"authenticated": "${aws_iam_role.no_group_role.arn}"}


def test_existing_user_pool_is_referenced_not_created(stacks):
    prod = stacks["prod"]
    assert "aws_cognito_user_pool" not in prod["resource"]
    provider = prod["resource"]["aws_cognito_identity_pool"]["identities"]["cognito_identity_providers"][0]
    assert provider["provider_name"] == "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pr0dPool1"
    assert provider["client_id"] == "4l7kq1k9pl3dq2r8v6hx0mbc5e"
    attachment = prod["resource"]["aws_cognito_identity_pool_roles_attachment"]["identities_roles"]
    assert attachment["role_mapping"][0]["identity_provider"] == (
        "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pr0dPool1:4l7kq1k9pl3dq2r8v6hx0mbc5e"
    )
    assert (
        prod["resource"]["aws_cognito_user_group"]["group_finance"]["user_pool_id"] == "eu-west-1_Pr0dPool1"
    )
    assert stacks["dev"]["resource"]["aws_cognito_user_pool"]["users"]["name"] == "groupfolders-dev"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_new_bucket_is_hardened(stacks, env):
    resources = stacks[env]["resource"]
    assert resources["aws_s3_bucket_public_access_block"]["files_public_access_block"] | {"//": None} == {
        "//": None,
        "bucket": "${aws_s3_bucket.files.id}",
        "block_public_acls": True,
        "block_public_policy": True,
        "ignore_public_acls": True,
        "restrict_public_buckets": True,
    }
    assert resources["aws_s3_bucket_ownership_controls"]["files_ownership"]["rule"] == {
        "object_ownership": "BucketOwnerEnforced"
    }
    assert resources["aws_s3_bucket_versioning"]["files_versioning"]["versioning_configuration"] == {
        "status": "Enabled"
    }
    assert "files_encryption" in resources["aws_s3_bucket_server_side_encryption_configuration"]
    rules = {
        name: body["rule"][0] for name, body in resources["aws_s3_bucket_lifecycle_configuration"].items()
    }
    assert rules["files_lifecycle"]["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert rules["files_logs_lifecycle"]["noncurrent_version_expiration"] == [{"noncurrent_days": 30}]
    assert rules["files_logs_lifecycle"]["expiration"] == [{"days": 365}]
    for document in ("files_policy_document", "files_logs_policy_document"):
        tls_only, tls_version = stacks[env]["data"]["aws_iam_policy_document"][document]["statement"][:2]
        assert (tls_only["effect"], tls_only["condition"]) == (
            "Deny",
            [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
        )
        assert (tls_version["effect"], tls_version["actions"], tls_version["condition"]) == (
            "Deny",
            ["s3:*"],
            [{"test": "NumericLessThan", "variable": "s3:TlsVersion", "values": ["1.2"]}],
        )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_access_logging_waits_for_the_log_bucket_policy(stacks, env):
    """S3 refuses a logging configuration whose target bucket does not yet let the logging
    service write (InvalidTargetBucketForLogging): Terraform must order them."""
    resources = stacks[env]["resource"]
    logging = resources["aws_s3_bucket_logging"]["files_logging"]
    assert logging["depends_on"] == ["aws_s3_bucket_policy.files_logs_policy"]
    assert "depends_on" not in resources["aws_s3_bucket_policy"]["files_logs_policy"]


def test_backends(stacks):
    assert stacks["dev"]["terraform"]["backend"] == {"local": {"path": "terraform.dev.tfstate"}}
    assert stacks["staging"]["terraform"]["backend"] == {
        "s3": {
            "bucket": "acme-tfstate-staging",
            "key": "groupfolders/staging.tfstate",
            "region": "eu-west-1",
            "encrypt": True,
            "use_lockfile": True,
        }
    }
    assert stacks["prod"]["terraform"]["required_providers"]["aws"]["version"] == "6.25.0"


def test_every_stack_requires_terraform_1_10(example_out):
    """use_lockfile needs Terraform 1.10: each stack directory says so once, in versions.tf."""
    from modules.synth import VERSIONS  # noqa: PLC0415

    directories = sorted(path.name for path in (example_out / "stacks").iterdir())
    assert directories == sorted(SNAPSHOTTED)
    for name in directories:
        text = (example_out / "stacks" / name / "versions.tf").read_text()
        assert text == VERSIONS
        assert re.findall(r'required_version = "([^"]*)"', text) == [">= 1.10"]
        assert "required_version" not in load_stack(example_out, name)["terraform"]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary on this machine")
def test_terraform_accepts_versions_tf(example_out, tmp_path):
    """Terraform parses the file (canonical format) and enforces its constraint."""
    versions = (example_out / "stacks" / "dev" / "versions.tf").read_text()
    environment = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}

    def terraform(directory: Path, text: str, *command: str) -> subprocess.CompletedProcess[str]:
        directory.mkdir()
        (directory / "versions.tf").write_text(text)
        return subprocess.run(
            ["terraform", f"-chdir={directory}", *command],
            capture_output=True, text=True, check=False, env=environment,
        )  # fmt: skip

    assert terraform(tmp_path / "fmt", versions, "fmt", "-check").returncode == 0
    assert terraform(tmp_path / "ours", versions, "init", "-backend=false", "-no-color").returncode == 0
    refused = terraform(
        tmp_path / "older", versions.replace(">= 1.10", "< 1.10"), "init", "-backend=false", "-no-color"
    )
    assert (refused.returncode, "Unsupported Terraform Core version" in refused.stderr) == (1, True)


def test_cors_only_where_asked_with_the_methods_of_the_capabilities(stacks, synth_dir, tmp_path_factory):
    (rule,) = stacks["dev"]["resource"]["aws_s3_bucket_cors_configuration"]["files_cors"]["cors_rule"]
    # dev's levels: read, readwrite, readwrite-nodelete, write (and private folders): every method.
    assert rule == {
        "allowed_origins": ["https://dev.app.example.com"],
        "allowed_methods": ["GET", "HEAD", "PUT", "POST", "DELETE"],
        "allowed_headers": ["*"],
        "expose_headers": ["ETag", "x-amz-server-side-encryption", "x-amz-request-id", "x-amz-id-2"],
        "max_age_seconds": 3000,
    }
    for env in ("prod", "staging", "union"):
        assert "aws_s3_bucket_cors_configuration" not in stacks[env]["resource"]
    # Only listers and readers, and no private folders: GET and HEAD only.
    readers = tmp_path_factory.mktemp("environments")
    (readers / "web.yaml").write_text(
        BASE.replace("{name: demo-bucket}", "{name: demo-bucket, cors_origins: ['https://app.example.com']}")
        + "private_folders: false\n"
        + "groups: [{name: a, access: read, precedence: 1}, {name: b, access: list, precedence: 2}]\n"
    )
    web = load_stack(synth_dir(readers), "web")
    (rule,) = web["resource"]["aws_s3_bucket_cors_configuration"]["files_cors"]["cors_rule"]
    assert rule["allowed_methods"] == ["GET", "HEAD"]


def test_client_config_is_amplify_outputs(stacks):
    config = stacks["staging"]["output"]["client_config"]["value"]
    assert config["version"] == "1.4"
    assert config["auth"] | {"groups": None} == {
        "aws_region": "eu-west-1",
        "user_pool_id": "${aws_cognito_user_pool.users.id}",
        "user_pool_client_id": "${aws_cognito_user_pool_client.web.id}",
        "identity_pool_id": "${aws_cognito_identity_pool.identities.id}",
        "unauthenticated_identities_enabled": False,
        "groups": None,
    }
    assert [next(iter(group)) for group in config["auth"]["groups"]] == [
        "finance",
        "editors",
        "analysts",
        "uploads",
    ]
    (bucket,) = config["storage"]["buckets"]
    assert config["storage"]["bucket_name"] == bucket["bucket_name"] == "acme-groupfolders-staging"
    assert bucket["paths"] == {
        "analysts/*": {"groupsanalysts": ["list", "get"]},
        "content/*": {"groupseditors": ["list", "get", "write", "delete"]},
        "finance/invoices/*": {"groupsfinance": ["list", "get", "write"]},
        "finance/reports/*": {"groupsfinance": ["list", "get", "write"]},
        "inbox/*": {"groupsuploads": ["write"]},
        "private/{entity_id}/*": {"entityidentity": ["list", "get", "write", "delete"]},
        "reports/*": {
            "groupsanalysts": ["list", "get"],
            "groupseditors": ["list", "get"],
            "groupsfinance": ["list", "get", "write"],
        },
    }
    assert config["custom"]["groupfolders"]["groups"]["finance"] == {
        "access": "readwrite-nodelete",
        "precedence": 10,
        "folders": ["finance/reports/", "finance/invoices/"],
        "shared_folders": {"reports/": "readwrite-nodelete"},
    }
    assert config["custom"]["groupfolders"]["groups"]["editors"] == {
        "access": "readwrite",
        "precedence": 20,
        "folders": ["content/"],
        "shared_folders": {"reports/": "read"},
    }
    # An existing pool (prod): its ids as they are, no reference.
    prod = stacks["prod"]["output"]["client_config"]["value"]["auth"]
    assert (prod["user_pool_id"], prod["user_pool_client_id"]) == (
        "eu-west-1_Pr0dPool1",
        "4l7kq1k9pl3dq2r8v6hx0mbc5e",
    )


def test_reference_auth_is_amplify_gen2_reference_auth_props(stacks):
    """`referenceAuth({userPoolId, identityPoolId, userPoolClientId, authRoleArn, unauthRoleArn,
    groups})` (@aws-amplify/backend ReferenceAuthProps): the pool's authenticated role is the
    no-group role, each group maps to the role it carries; no unauthRoleArn, guests are refused."""
    output = stacks["staging"]["output"]["amplify_reference_auth"]
    assert output["value"] == {
        "userPoolId": "${aws_cognito_user_pool.users.id}",
        "identityPoolId": "${aws_cognito_identity_pool.identities.id}",
        "userPoolClientId": "${aws_cognito_user_pool_client.web.id}",
        "authRoleArn": "${aws_iam_role.no_group_role.arn}",
        "groups": {g: f"${{aws_iam_role.group_{g}_role.arn}}" for g in GROUPS},
    }
    attachment = stacks["staging"]["resource"]["aws_cognito_identity_pool_roles_attachment"]
    assert attachment["identities_roles"]["roles"] == {"authenticated": output["value"]["authRoleArn"]}
    groups = stacks["staging"]["resource"]["aws_cognito_user_group"]
    assert {group["name"]: group["role_arn"] for group in groups.values()} == output["value"]["groups"]
    # tags mode: every group carries the folders role
    union = stacks["union"]["output"]["amplify_reference_auth"]["value"]["groups"]
    assert set(union.values()) == {"${aws_iam_role.folders_role.arn}"}


def test_provider_account_only_where_given(stacks):
    """prod names its account: credentials of any other fail before a change."""
    (prod,) = stacks["prod"]["provider"]["aws"]
    assert prod["allowed_account_ids"] == ["123456789012"]
    assert "assume_role" not in prod
    (dev,) = stacks["dev"]["provider"]["aws"]
    assert "allowed_account_ids" not in dev and "assume_role" not in dev


def test_provider_default_tags(stacks):
    tags = stacks["dev"]["provider"]["aws"][0]["default_tags"][0]["tags"]
    assert tags == {
        "app": "groupfolders-demo",
        "environment": "dev",
        "owner": "platform",
        "cost-center": "dev-sandbox",
    }


def test_outputs(stacks):
    assert sorted(stacks["staging"]["output"]) == sorted(
        ["user_pool_id", "user_pool_client_id", "identity_pool_id", "bucket_name", "client_config"]
        + ["amplify_reference_auth"]
        + [f"group_{g}_role_arn" for g in GROUPS]
    )
    assert stacks["staging"]["output"]["group_editors_role_arn"] == {
        "value": "${aws_iam_role.group_editors_role.arn}",
        "description": "`token` and `rules`: the ARN of the group's role, one output per group "
        "(`.` in a group name becomes `_`)",
    }
    assert sorted(stacks["union"]["output"]) == sorted(
        [
            *("user_pool_id", "user_pool_client_id", "identity_pool_id", "bucket_name", "client_config"),
            *("amplify_reference_auth", "folders_role_arn", "folder_claims_lambda_arn"),
        ]
    )


@pytest.mark.parametrize("env", SNAPSHOTTED)
def test_every_output_is_a_row_of_the_outputs_table_with_its_description(stacks, env):
    from modules.outputs import GROUP_PLACEHOLDER, OUTPUTS  # noqa: PLC0415

    rows = {re.escape(o.name).replace(re.escape(GROUP_PLACEHOLDER), "[a-z0-9_]+"): o for o in OUTPUTS}
    for name, output in stacks[env]["output"].items():
        (row,) = [row for pattern, row in rows.items() if re.fullmatch(pattern, name)]
        assert output["description"] == row.description, name


def test_readme_lists_the_outputs_table():
    """Generated by `python -m modules.outputs`: a description lives where the stack emits it."""
    from modules.outputs import outputs_table  # noqa: PLC0415

    table = outputs_table()
    assert table.startswith("| name | description |\n")
    assert table in (PROJECT / "README.md").read_text()


# --- escaping


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_interpolation_is_a_terraform_reference(example_out, env):
    text = (example_out / "stacks" / env / "cdk.tf.json").read_text()
    assert "&{cognito-identity.amazonaws.com:sub}" in text
    assert non_references(text) == []


def test_the_interpolation_check_catches_an_iam_variable():
    leaked = '{"resources": ["arn:aws:s3:::b/private/${cognito-identity.amazonaws.com:sub}/*"]}'
    assert non_references(leaked) == ["${cognito-identity.amazonaws.com:sub}"]
    assert non_references('{"description": "%{ if true }x%{ endif }"}') == ["%{ endif }", "%{ if true }"]
    assert non_references('{"a": "${aws_iam_role.group_a_role.arn}"}') == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_reference_names_a_block_of_the_stack(stacks, env):
    """Documents are rendered before constructs exist, from references written from the
    address contract (modules.naming): each must name a block the stack declares."""
    assert dangling_references(stacks[env]) == []


def test_the_reference_check_catches_a_dangling_reference():
    stack = {"resource": {"aws_iam_role": {"a_role": {}}}, "data": {"aws_iam_policy_document": {"d": {}}}}
    stack["output"] = {"x": {"value": "${aws_iam_role.a_role.arn} ${aws_iam_role.b_role.arn}"}}
    stack["output"]["y"] = {"value": "${data.aws_iam_policy_document.d.json} ${data.aws_iam_role.a_role.arn}"}
    assert dangling_references(stack) == ["${aws_iam_role.b_role.arn}", "${data.aws_iam_role.a_role.arn}"]


# --- stable addresses and determinism


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_address_is_its_construct_id(stacks, env):
    """GroupFoldersStack allocates each block its construct id (cdktf's experimental
    allocateLogicalId hook): if cdktf stopped calling it, names would become path hashes."""
    for kind in ("resource", "data"):
        for entries in stacks[env][kind].values():
            for name, body in entries.items():
                metadata = body["//"]["metadata"]
                assert metadata["uniqueId"] == name
                assert metadata["path"].rsplit("/", 1)[1] == name


def test_two_blocks_with_one_name_are_refused():
    from cdktf import TerraformOutput, Testing  # noqa: PLC0415
    from constructs import Construct  # noqa: PLC0415

    from modules.stack import GroupFoldersStack  # noqa: PLC0415
    from modules.validation import load_valid_environments  # noqa: PLC0415

    stack = GroupFoldersStack(Testing.app(), load_valid_environments(EXAMPLES, ["prod"])[0])
    TerraformOutput(Construct(stack, "elsewhere"), "bucket_name", value="x")
    with pytest.raises(Exception, match="two blocks would share the Terraform name 'bucket_name'"):
        Testing.synth(stack)


def test_two_synths_are_byte_identical(example_out, tmp_path):
    from modules.synth import synthesize  # noqa: PLC0415
    from modules.validation import load_valid_environments  # noqa: PLC0415

    synthesize(load_valid_environments(EXAMPLES), tmp_path / "again")
    assert stack_bytes(tmp_path / "again") == stack_bytes(example_out)


def test_reordering_groups_changes_nothing(example_out, synth_dir, tmp_path_factory):
    def reverse(text: str) -> str:
        head, groups = text.split("groups:\n")
        entries = ["  - name:" + e for e in groups.split("  - name:")[1:]]
        return head + "groups:\n" + "".join(reversed(entries))

    reordered = variant(tmp_path_factory, reverse)
    assert "uploads" in (reordered / "_groups.yaml").read_text().split("groups:\n")[1].split("analysts")[0]
    assert stack_bytes(synth_dir(reordered)) == stack_bytes(example_out)


def test_adding_a_group_only_adds(example_out, synth_dir, tmp_path_factory):
    new_group = "  - name: auditors\n    access: list\n    precedence: 50\n"
    added = variant(tmp_path_factory, lambda text: text + new_group)
    for env in ENVIRONMENTS:
        before, after = blocks(load_stack(example_out, env)), blocks(load_stack(synth_dir(added), env))
        # Only blocks that must list every group may change: the client configuration and, with
        # folder_guard (prod), the bucket policy.
        guard = ["data.aws_iam_policy_document.files_policy_document"] if env == "prod" else []
        must_list_all = [*guard, "output.amplify_reference_auth", "output.client_config"]
        assert sorted(a for a, b in before.items() if after.get(a) != b) == must_list_all
        assert sorted(set(after) - set(before)) == [
            "aws_cognito_user_group.group_auditors",
            "aws_iam_role.group_auditors_role",
            "aws_iam_role_policy.group_auditors_policy",
            "data.aws_iam_policy_document.group_auditors_permissions",
            "output.group_auditors_role_arn",
        ]


# --- snapshots, reviewed like code: UPDATE_SNAPSHOTS=1 make test rewrites them


@pytest.mark.parametrize("env", SNAPSHOTTED)
def test_snapshot(stacks, env):
    current = json.dumps(stacks[env], indent=2, sort_keys=True) + "\n"
    snapshot = SNAPSHOTS / f"{env}.json"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(current)
    assert snapshot.read_text() == current, f"{snapshot.name} differs; review, then UPDATE_SNAPSHOTS=1"


def test_rules_mapping_has_one_equals_rule_per_group_in_precedence_order(synth_dir, tmp_path_factory):
    rules = variant(tmp_path_factory, lambda text: text.replace("role_mapping: token", "role_mapping: rules"))
    attachment = load_stack(synth_dir(rules), "staging")["resource"][
        "aws_cognito_identity_pool_roles_attachment"
    ]
    (mapping,) = attachment["identities_roles"]["role_mapping"]
    assert (mapping["type"], mapping["ambiguous_role_resolution"]) == ("Rules", "Deny")
    assert mapping["mapping_rule"] == [
        {
            "claim": "cognito:groups",
            "match_type": "Equals",
            "value": name,
            "role_arn": f"${{aws_iam_role.group_{name}_role.arn}}",
        }
        for name in ("finance", "editors", "analysts", "uploads")
    ]
