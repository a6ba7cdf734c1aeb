"""What an environment adopts: Cognito groups of an existing user pool and an existing identity
pool with its roles attachment, brought into Terraform's state by `import` blocks rather than
created (Terraform >= 1.5; an import of a resource already in state is ignored, so the blocks
stay harmless after the first apply).

The blocks live in `imports.tf`, HCL beside `cdk.tf.json`: Terraform reads the two together, and
checkov 3.3.30's terraform_json parser fails on the whole file when it holds a top-level `import`
list (`Exception: this method receives only dicts` in checkov/terraform_json/parser.py), which
would leave the stack unscanned.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from modules import naming
from modules.config.model import Environment

IMPORTS_FILE = "imports.tf"


@dataclass(frozen=True)
class ResourceTypes:
    """The Terraform types of what can be adopted, as the provider bindings name them."""

    group: str
    identity_pool: str
    roles_attachment: str


@dataclass(frozen=True)
class Import:
    to: str  # the Terraform address of the block that takes the existing object over
    id: str  # the provider's import id


def imports(environment: Environment, types: ResourceTypes) -> tuple[Import, ...]:
    """A group's import id is `<user pool id>/<group name>`; the identity pool's and its roles
    attachment's are the identity pool's id. In address order."""
    found = []
    pool = environment.user_pool.existing_id
    for group in environment.groups_by_name:
        if pool is not None and environment.adopts(group):
            found.append(Import(f"{types.group}.{naming.terraform_id(group.name)}", f"{pool}/{group.name}"))
    identities = environment.identity_pool.existing_id
    if identities is not None:
        found.append(Import(f"{types.identity_pool}.{naming.IDENTITY_POOL}", identities))
        found.append(Import(f"{types.roles_attachment}.{naming.ROLE_ATTACHMENT}", identities))
    return tuple(sorted(found, key=lambda block: block.to))


def imports_tf(blocks: Sequence[Import]) -> str:
    """HCL; the ids passed the model's patterns (no quote, backslash or `${`), so a JSON string
    is an HCL string."""
    parts = [f"import {{\n  to = {block.to}\n  id = {json.dumps(block.id)}\n}}\n" for block in blocks]
    return "# Written by groupfolders. Terraform reads this file together with cdk.tf.json.\n" + "\n".join(
        parts
    )
