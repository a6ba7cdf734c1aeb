"""One environment → one stack, named after the environment."""

from __future__ import annotations

from cdktf import LocalBackend, S3Backend, TerraformOutput, TerraformStack
from constructs import Construct

from modules import naming
from modules.aws import AwsProvider, AwsProviderDefaultTags
from modules.config.model import Environment
from modules.constructs.addresses import pinned
from modules.constructs.bucket import FilesBucket
from modules.constructs.group_folder import GroupFolder
from modules.constructs.identity_pool import IdentityAccess
from modules.constructs.user_pool import UserDirectory


class GroupFoldersStack(TerraformStack):
    def __init__(self, scope: Construct, environment: Environment) -> None:
        super().__init__(scope, environment.name)
        tags = {"app": environment.app, "environment": environment.name, **environment.tags}
        AwsProvider(self, "aws", region=environment.region, default_tags=[AwsProviderDefaultTags(tags=tags)])
        _backend(self, environment)
        files = FilesBucket(self, environment) if environment.bucket.name is not None else None
        key_arn = files.key_arn if files else environment.bucket.kms_key_arn
        directory = UserDirectory(self, environment)
        identity = IdentityAccess(self, environment, directory, key_arn)
        roles = {
            group.name: GroupFolder(
                self,
                environment,
                group,
                user_pool_id=directory.user_pool_id,
                trust=identity.trust,
                key_arn=key_arn,
            ).role
            for group in environment.groups_by_name
        }
        identity.attach_roles(roles)
        if files:
            files.attach_policy({name: role.arn for name, role in roles.items()}, identity.default_role.arn)
        outputs = {
            "user_pool_id": directory.user_pool_id,
            "user_pool_client_id": directory.client_id,
            "identity_pool_id": identity.pool_id,
            "bucket_name": environment.bucket.bucket_name,
            **{naming.terraform_id(name) + naming.ROLE_ARN_OUTPUT: role.arn for name, role in roles.items()},
        }
        for name, value in outputs.items():
            pinned(TerraformOutput(self, name, value=value), name)


def _backend(stack: TerraformStack, environment: Environment) -> None:
    config = environment.backend
    if config.type == "local":
        LocalBackend(stack, path=config.path or f"terraform.{environment.name}.tfstate")
        return
    S3Backend(
        stack,
        bucket=str(config.bucket),
        key=str(config.key),
        region=config.region or environment.region,
        encrypt=True,
    )
    if config.use_lockfile:
        # S3-native state locking (Terraform >= 1.10); not yet a field of cdktf's S3Backend.
        stack.add_override("terraform.backend.s3.use_lockfile", True)
