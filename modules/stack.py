"""One environment → one stack, named after the environment."""

from __future__ import annotations

from pathlib import Path

import jsii
from cdktf import LocalBackend, S3Backend, TerraformElement, TerraformOutput, TerraformStack
from constructs import Construct, Node

from modules import adoption, naming, outputs
from modules.access_model import environment_access
from modules.aws import (
    AwsProvider,
    AwsProviderAssumeRole,
    AwsProviderDefaultTags,
    CognitoIdentityPool,
    CognitoIdentityPoolRolesAttachment,
    CognitoUserGroup,
    IamRole,
    KmsKey,
)
from modules.client_config import ClientIds, client_config
from modules.config.model import Environment
from modules.constructs.bucket import FilesBucket
from modules.constructs.cognito_group import CognitoGroupWithRole, cognito_group
from modules.constructs.folder_claims import FolderClaimsFunction
from modules.constructs.folder_role import FolderRole
from modules.constructs.identity_pool import CognitoIdentity
from modules.constructs.user_pool import UserDirectory
from modules.policies import principal_tags
from modules.policies.actions import http_methods
from modules.policies.environment_documents import EnvironmentDocuments, environment_documents
from modules.policies.references import References
from modules.reference_auth import reference_auth


class GroupFoldersStack(TerraformStack):
    """`imports`: the Terraform `import` blocks of what the environment adopts (modules.adoption),
    which synth writes beside the stack."""

    def __init__(self, scope: Construct, environment: Environment, templates: Path | None = None) -> None:
        """`templates`: the access levels' directory (None: groupfolders' own)."""
        self._addresses: dict[str, Node | TerraformElement] = {}
        super().__init__(scope, environment.name)
        self.imports = adoption.imports(environment, _resource_types())
        documents = environment_documents(environment, stack_references(environment), templates)
        _provider(self, environment)
        _backend(self, environment)
        pool_name = naming.identity_pool_name(environment)
        FilesBucket(
            self,
            environment.bucket,
            key_alias=f"alias/{pool_name}-files",
            policy=documents.bucket_policy,
            cors_methods=http_methods(documents.granted_actions),
        )
        tags_mode = environment.identity_pool.role_mapping == "tags"
        claims = (
            FolderClaimsFunction(
                self,
                name=naming.folder_claims_name(environment),
                environment_name=environment.name,
                grants=principal_tags.lambda_data(environment),
            )
            if tags_mode
            else None
        )
        directory = UserDirectory(
            self,
            environment.user_pool,
            region=environment.region,
            client_name=naming.user_pool_client_name(environment),
            pre_token_lambda_arn=claims.arn if claims else None,
        )
        identity = CognitoIdentity(
            self,
            pool_name=pool_name,
            directory=directory,
            trust=documents.trust,
            adopted=environment.identity_pool.existing_id is not None,
        )
        no_group = FolderRole(
            self,
            naming.NO_GROUP,
            role_name=naming.default_role_name(environment),
            description=f"Authenticated users in no group ({environment.name})",
            trust_json=identity.trust_json,
            policy=documents.no_group_policy,
            tags=documents.no_group_role_tags,
        )
        if claims:
            pool_arn = directory.user_pool_arn or claims.existing_pool_arn(
                environment.region, str(environment.user_pool.existing_id)
            )
            claims.allow_pool(pool_arn)
            identity.map_principal_tags(principal_tags.all_tag_keys(environment))
        role_of_group = _folders_role if tags_mode else _group_roles
        roles = role_of_group(self, environment, documents, identity.trust_json, directory.user_pool_id)
        by_precedence = sorted(environment.groups, key=lambda group: (group.precedence, group.name))
        identity.attach_roles(
            environment.identity_pool,
            no_group_role=no_group,
            rules=[(group.name, roles[group.name].arn) for group in by_precedence],
        )
        ids = ClientIds(directory.user_pool_id, directory.client_id, identity.pool_id)
        access = environment_access(environment, templates)
        declared = [
            (outputs.USER_POOL_ID, directory.user_pool_id),
            (outputs.USER_POOL_CLIENT_ID, directory.client_id),
            (outputs.IDENTITY_POOL_ID, identity.pool_id),
            (outputs.BUCKET_NAME, environment.bucket.bucket_name),
            *([(outputs.FOLDERS_ROLE_ARN, roles[environment.groups[0].name].arn)] if tags_mode else []),
            *([(outputs.FOLDER_CLAIMS_ARN, claims.arn)] if claims else []),
            (outputs.CLIENT_CONFIG, client_config(environment, access, ids)),
            (
                outputs.REFERENCE_AUTH,
                reference_auth(
                    ids,
                    auth_role_arn=no_group.role.arn,
                    group_role_arns={
                        group.name: roles[group.name].arn for group in environment.groups_by_name
                    },
                ),
            ),
        ]
        for output, value in declared:
            TerraformOutput(self, output.name, value=value, description=output.description)
        group_output = outputs.GROUP_ROLE_ARN
        for name, role in ({} if tags_mode else roles).items():
            TerraformOutput(
                self, group_output.named(name), value=role.arn, description=group_output.description
            )

    @jsii.member(jsii_name="allocateLogicalId")
    def _allocate_logical_id(self, tf_element: Node | TerraformElement) -> str:
        """Each element's address is its construct id (declared in modules.naming), not a
        hash of its construct path: moving a block between constructs never moves state.

        cdktf marks this hook experimental; tests/test_synth.py pins that it is used.
        """
        node = tf_element if isinstance(tf_element, Node) else tf_element.node
        address = node.id
        # jsii hands back the Python object an element was created as, so identity settles the
        # usual case without asking the kernel for paths (a round trip each); a Node arrives as
        # a new proxy every time, and only then are paths compared.
        owner = self._addresses.setdefault(address, tf_element)
        if owner is not tf_element and _path(owner) != node.path:
            paths = f"{_path(owner)} and {node.path}"
            raise ValueError(f"two blocks would share the Terraform name {address!r}: {paths}")
        return address


def _folders_role(
    stack: TerraformStack,
    environment: Environment,
    documents: EnvironmentDocuments,
    trust_json: str,
    user_pool_id: str,
) -> dict[str, IamRole]:
    """tags mode: one folders role, which every Cognito group carries (Token mapping then
    hands it to any group member; users in no group stay with users_without_group)."""
    role = FolderRole(
        stack,
        naming.FOLDERS,
        role_name=naming.folders_role_name(environment),
        description=f"Members of any group; their principal tags name their folders ({environment.name})",
        trust_json=trust_json,
        policy=documents.folders_policy,
    ).role
    for group in environment.groups_by_name:
        cognito_group(stack, group, role_arn=role.arn, user_pool_id=user_pool_id)
    return {group.name: role for group in environment.groups_by_name}


def _group_roles(
    stack: TerraformStack,
    environment: Environment,
    documents: EnvironmentDocuments,
    trust_json: str,
    user_pool_id: str,
) -> dict[str, IamRole]:
    """token and rules: each Cognito group with a role of its own."""
    return {
        group.name: CognitoGroupWithRole(
            stack,
            group,
            role_name=naming.role_name(environment, group),
            environment_name=environment.name,
            user_pool_id=user_pool_id,
            trust_json=trust_json,
            policy=documents.group_policies[group.name],
            tags=documents.group_role_tags.get(group.name, {}),
        ).role
        for group in environment.groups_by_name
    }


def _resource_types() -> adoption.ResourceTypes:
    return adoption.ResourceTypes(
        group=CognitoUserGroup.TF_RESOURCE_TYPE,
        identity_pool=CognitoIdentityPool.TF_RESOURCE_TYPE,
        roles_attachment=CognitoIdentityPoolRolesAttachment.TF_RESOURCE_TYPE,
    )


def _path(element: Node | TerraformElement) -> str:
    return (element if isinstance(element, Node) else element.node).path


def stack_references(environment: Environment) -> References:
    """Terraform references to the blocks the stack declares (modules.naming), so that every
    document is rendered once, before any construct exists."""
    bucket = environment.bucket
    new_key = bucket.name is not None and bucket.encryption == "kms"
    return References(
        bucket_arn=bucket.arn,
        key_arn=_reference(KmsKey, naming.FILES_KEY, "arn") if new_key else bucket.kms_key_arn,
        role_arns={
            group.name: _reference(IamRole, _role_base(environment, group.name) + naming.ROLE, "arn")
            for group in environment.groups
        },
        role_ids={
            group.name: _reference(IamRole, _role_base(environment, group.name) + naming.ROLE, "unique_id")
            for group in environment.groups
        },
        no_group_role_arn=_reference(IamRole, naming.NO_GROUP + naming.ROLE, "arn"),
        no_group_role_id=_reference(IamRole, naming.NO_GROUP + naming.ROLE, "unique_id"),
        identity_pool_id=_reference(CognitoIdentityPool, naming.IDENTITY_POOL, "id"),
    )


def _role_base(environment: Environment, group_name: str) -> str:
    tags_mode = environment.identity_pool.role_mapping == "tags"
    return naming.FOLDERS if tags_mode else naming.terraform_id(group_name)


def _reference(resource: type, name: str, attribute: str) -> str:
    return "${" + f"{resource.TF_RESOURCE_TYPE}.{name}.{attribute}" + "}"  # type: ignore[attr-defined]


def _provider(stack: TerraformStack, environment: Environment) -> None:
    """`account_id`: any other account's credentials fail before a change; `deploy_role_arn`:
    the provider assumes that role (one CI identity, several accounts)."""
    role = environment.deploy_role_arn
    AwsProvider(
        stack,
        "aws",
        region=environment.region,
        default_tags=[AwsProviderDefaultTags(tags=environment.default_tags)],
        allowed_account_ids=[environment.account_id] if environment.account_id else None,
        assume_role=[AwsProviderAssumeRole(role_arn=role, session_name=f"groupfolders-{environment.name}")]
        if role
        else None,
    )


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
