"""Every IAM document of one environment, from one function.

Validation measures these documents (with placeholder references), the access model
reads them, and the stack emits them (with Terraform references): all three see the
same documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from modules.config.model import Environment
from modules.policies.documents import (
    Document,
    FolderGuard,
    RoleScope,
    files_bucket_policy,
    folders_policy,
    group_policy,
    no_group_policy,
    trust_policy,
)
from modules.policies.principal_tags import tag_slots
from modules.policies.references import References
from modules.policies.templates import PolicyTemplateError


@dataclass(frozen=True)
class EnvironmentDocuments:
    group_policies: Mapping[str, Document]  # group name → its role's policy (tags: what one group grants)
    folders_policy: Document | None  # tags mode: the one folders role's policy; else None
    no_group_policy: Document | None  # None: users in no group get nothing
    trust: Document  # every role of the environment shares it
    bucket_policy: Document | None  # None: an existing bucket is left as it is

    @property
    def granted_actions(self) -> frozenset[str]:
        """Every action that some role of the environment allows."""
        roles = [*self.group_policies.values(), self.folders_policy, self.no_group_policy]
        return frozenset(
            action
            for policy in roles
            if policy is not None
            for statement in policy["Statement"]
            if statement["Effect"] == "Allow"
            for action in statement["Action"]
        )


class GroupTemplateErrors(Exception):
    """The access level of one or more groups does not render; by group name."""

    def __init__(self, by_group: Mapping[str, str]) -> None:
        self.by_group = dict(by_group)
        super().__init__("; ".join(f"{group}: {reason}" for group, reason in self.by_group.items()))


def environment_documents(
    environment: Environment, references: References, templates: Path | None = None
) -> EnvironmentDocuments:
    """`templates`: the directory of access levels (None: this project's templates/policies/)."""
    scope = role_scope(environment, references, templates)
    policies: dict[str, Document] = {}
    errors: dict[str, str] = {}
    for group in environment.groups_by_name:
        try:
            shared = environment.shared_levels(group.name)
            policies[group.name] = group_policy(group.access, group.folders, scope, shared)
        except PolicyTemplateError as error:
            errors[group.name] = str(error)
    if errors:
        raise GroupTemplateErrors(errors)
    pool, bucket = environment.identity_pool, environment.bucket
    grants_no_group = pool.users_without_group == "private_only" and environment.private_folders
    tags = pool.role_mapping == "tags"
    return EnvironmentDocuments(
        group_policies=policies,
        folders_policy=folders_policy(tag_slots(environment), scope) if tags else None,
        no_group_policy=no_group_policy(scope) if grants_no_group else None,
        trust=trust_policy(references.identity_pool_id, tag_session=tags),
        bucket_policy=files_bucket_policy(references.bucket_arn, _guard(environment, references))
        if bucket.name is not None
        else None,
    )


def role_scope(environment: Environment, references: References, templates: Path | None) -> RoleScope:
    return RoleScope(
        bucket_arn=references.bucket_arn,
        versioned=environment.bucket.versioned,
        region=environment.region,
        key_arn=references.key_arn,
        private_folders=environment.private_folders,
        templates=templates,
    )


def _guard(environment: Environment, references: References) -> FolderGuard | None:
    if not environment.bucket.folder_guard:
        return None
    groups, arns = environment.groups_by_name, references.role_arns
    shared = tuple(
        # tags mode: every group's ARN is the one folders role's, named once.
        (folder.prefix, tuple(dict.fromkeys(arns[name] for name in sorted(folder.access))))
        for folder in environment.shared_folders
    )
    return FolderGuard(
        owners=(*((folder, (arns[g.name],)) for g in groups for folder in g.folders), *shared),
        # tags mode: every group's ARN is the one folders role's.
        our_roles=tuple(dict.fromkeys((*(arns[g.name] for g in groups), references.no_group_role_arn))),
        exempt_principals=environment.bucket.exempt_principals,
        private_folders=environment.private_folders,
        every_object=environment.identity_pool.unlisted_groups is not None,
    )
