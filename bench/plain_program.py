"""The CDKTF program a user would write by hand for the same groups: the benchmark's baseline.

One Cognito group, IAM role and inline JSON policy per group, no validation, no hardening,
and the provider bindings imported the ordinary way (the package imports all of its
submodules). Usage: python bench/plain_program.py ENVIRONMENT.yaml OUTDIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml
from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.cognito_identity_pool import (
    CognitoIdentityPool,
    CognitoIdentityPoolCognitoIdentityProviders,
)
from cdktf_cdktf_provider_aws.cognito_user_group import CognitoUserGroup
from cdktf_cdktf_provider_aws.cognito_user_pool import CognitoUserPool
from cdktf_cdktf_provider_aws.cognito_user_pool_client import CognitoUserPoolClient
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct


class PlainStack(TerraformStack):
    def __init__(self, scope: Construct, name: str, settings: dict) -> None:
        super().__init__(scope, name)
        AwsProvider(self, "aws", region=settings["region"])
        pool = CognitoUserPool(self, "pool", name=settings["user_pool"]["name"])
        client = CognitoUserPoolClient(self, "client", name="app", user_pool_id=pool.id)
        identities = CognitoIdentityPool(
            self,
            "identities",
            identity_pool_name=f"{name}_identities",
            allow_unauthenticated_identities=False,
            cognito_identity_providers=[
                CognitoIdentityPoolCognitoIdentityProviders(
                    client_id=client.id, provider_name=pool.endpoint, server_side_token_check=True
                )
            ],
        )
        bucket = settings["bucket"]["name"]
        for group in settings["groups"]:
            self.group(group, bucket, pool.id, identities.id)

    def group(self, group: dict, bucket: str, pool_id: str, identity_pool_id: str) -> None:
        name = group["name"]
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool_id},
                        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
                    },
                }
            ],
        }
        prefix = f"{name}/"
        permissions = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": f"arn:aws:s3:::{bucket}",
                    "Condition": {"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
                },
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/{prefix}*"},
            ],
        }
        role = IamRole(self, f"{name}_role", name=f"plain-{name}", assume_role_policy=json.dumps(trust))
        IamRolePolicy(self, f"{name}_policy", name="folders", role=role.id, policy=json.dumps(permissions))
        CognitoUserGroup(
            self,
            f"{name}_group",
            name=name,
            precedence=group["precedence"],
            role_arn=role.arn,
            user_pool_id=pool_id,
        )


def main(environment_file: Path, outdir: Path) -> None:
    settings = yaml.safe_load(environment_file.read_text())
    app = App(outdir=str(outdir))
    PlainStack(app, environment_file.stem, settings)
    app.synth()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
