"""Output trees that checkov scans in one run per session (conftest.checkov_run).

Each is `<name>/stacks/<env>/cdk.tf.json`, a variant of the examples' output; a test asks for
the verdict on one tree as if checkov had scanned that tree alone.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import load_stack

UNPARSABLE_STACK = '{"resource": {"aws_s3_bucket": {"b": '


def broad_dev(example_out: Path) -> dict[str, str]:
    """The dev stack with the analysts' policy widened to s3:* on every resource."""
    stack = copy.deepcopy(load_stack(example_out, "dev"))
    broad = {"sid": "Broad", "effect": "Allow", "actions": ["s3:*", "iam:PassRole"], "resources": ["*"]}
    stack["data"]["aws_iam_policy_document"]["group_analysts_permissions"]["statement"] = [broad]
    return {"dev": json.dumps(stack)}


def example_stacks(example_out: Path) -> dict[str, str]:
    return {d.name: (d / "cdk.tf.json").read_text() for d in sorted((example_out / "stacks").iterdir())}


def prod_changed(example_out: Path, change: Callable[[dict], None]) -> dict[str, str]:
    """The examples' stacks, prod's edited in place by `change`."""
    prod = load_stack(example_out, "prod")
    change(prod)
    return {**example_stacks(example_out), "prod": json.dumps(prod)}


def authenticated_role(stack: dict) -> None:
    attachment = stack["resource"]["aws_cognito_identity_pool_roles_attachment"]["identities_roles"]
    attachment["role_mapping"][0]["ambiguous_role_resolution"] = "AuthenticatedRole"


def allow_guests(stack: dict) -> None:
    stack["resource"]["aws_cognito_identity_pool"]["identities"]["allow_unauthenticated_identities"] = True


def import_in_json(stack: dict) -> None:
    """What cdktf's `import_from` would write: why modules/adoption.py writes imports.tf instead."""
    stack["import"] = [{"to": "aws_cognito_user_group.group_finance", "id": "eu-west-1_Pr0dPool1/finance"}]


EXAMPLES = "examples"
BROAD_DOCUMENT = "broad-document"
PROD_AUTHENTICATED_ROLE, PROD_ALLOWS_GUESTS = "prod-authenticated-role", "prod-allows-guests"
UNPARSABLE = "unparsable"
PROD_IMPORT_IN_JSON = "prod-import-in-json"

# Tree name -> its stacks (environment -> cdk.tf.json text), from the examples' output.
TREES: dict[str, Callable[[Path], dict[str, str]]] = {
    EXAMPLES: example_stacks,
    BROAD_DOCUMENT: broad_dev,
    PROD_AUTHENTICATED_ROLE: lambda out: prod_changed(out, authenticated_role),
    PROD_ALLOWS_GUESTS: lambda out: prod_changed(out, allow_guests),
    UNPARSABLE: lambda _: {"dev": UNPARSABLE_STACK},
    PROD_IMPORT_IN_JSON: lambda out: prod_changed(out, import_in_json),
}
