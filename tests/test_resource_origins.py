"""Findings point at the configuration that produced a resource: the address → setting map."""

from __future__ import annotations

import pytest

from modules import naming
from modules.config.yaml_source import Position, Source
from modules.resource_origins import config_path, resource_position
from tests.test_limits import environment, groups_text

ENVIRONMENT = environment(groups_text(2))


@pytest.mark.parametrize(
    ("address", "path"),
    [
        ("aws_cognito_user_group.group_t1", ("groups", 1)),
        ("aws_iam_role.group_t0_role", ("groups", 0)),
        ("aws_iam_role_policy.group_t1_policy", ("groups", 1)),
        ("data.aws_iam_policy_document.group_t0_permissions", ("groups", 0)),
        ("aws_s3_bucket.files", ("bucket",)),
        ("aws_s3_bucket_public_access_block.files_logs_public_access_block", ("bucket",)),
        ("data.aws_iam_policy_document.files_key_policy", ("bucket",)),
        ("aws_s3_bucket_logging.files_logging", ("bucket",)),
        ("aws_cognito_user_pool.users", ("user_pool",)),
        ("aws_cognito_user_pool_client.web", ("user_pool",)),
        ("aws_cognito_identity_pool.identities", ("identity_pool",)),
        ("aws_cognito_identity_pool_roles_attachment.identities_roles", ("identity_pool",)),
        ("aws_iam_role.no_group_role", ("identity_pool",)),
        ("aws_lambda_function.folder_claims_function", ("identity_pool",)),
        ("aws_cognito_identity_pool_provider_principal_tag.principal_tags", ("identity_pool",)),
        ("data.aws_caller_identity.current", ()),
        ("aws_iam_role.group_t9_role", ()),  # no such group
    ],
)
def test_an_address_maps_to_the_setting_that_produced_it(address: str, path: tuple):
    assert config_path(ENVIRONMENT, address) == path


def test_every_fixed_resource_name_has_a_setting():
    """A name added to the address contract must say which setting it comes from; the
    outputs and the account lookup belong to the environment as a whole."""
    unplaced = sorted(name for name in naming.FIXED_NAMES if config_path(ENVIRONMENT, f"aws_x.{name}") == ())
    assert unplaced == sorted(
        [
            *naming.OUTPUTS,
            naming.CLIENT_CONFIG_OUTPUT,
            naming.REFERENCE_AUTH_OUTPUT,
            naming.ACCOUNT,
            naming.FOLDERS_ROLE_ARN_OUTPUT,
        ]
    )


def test_a_setting_not_written_in_the_file_falls_back_to_its_first_line():
    source = Source(document={}, file="env.yaml", positions={("bucket",): Position("_base.yaml", 7, 1)})
    assert resource_position(ENVIRONMENT, source, "aws_s3_bucket.files") == Position("_base.yaml", 7, 1)
    assert resource_position(ENVIRONMENT, source, "aws_cognito_user_pool.users") == Position("env.yaml", 1, 1)
