"""The IAM documents of a synthesized stack, as AWS receives them: what the semantic tests
and verify's fake S3 hand to the IAM evaluator."""

from __future__ import annotations

from typing import Any

from tests.iam_evaluator import iam_document, stack_references


def reference_name(reference: str, kind: str) -> str:
    """`${data.aws_iam_policy_document.x.json}` → `x`; fails on anything but a reference to `kind`."""
    head, _, attribute = reference.removeprefix("${").removesuffix("}").rpartition(".")
    assert reference.startswith("${") and head.startswith(f"{kind}."), (
        f"{reference!r} is not a {kind} reference"
    )
    assert attribute in {"json", "id", "name", "arn"}, reference
    return head.removeprefix(f"{kind}.")


def document(stack: dict[str, Any], reference: str) -> dict[str, Any]:
    """The AWS JSON of the policy document data source that `reference` points to."""
    name = reference_name(reference, "data.aws_iam_policy_document")
    return iam_document(stack["data"]["aws_iam_policy_document"][name], stack_references(stack))


def role_policy(stack: dict[str, Any], role_resource: str) -> dict[str, Any]:
    """Every inline policy attached to the role, merged: that is what IAM evaluates for it."""
    resources = stack["resource"]
    # Anything else that could add permissions would escape this test: there must be none.
    assert not {"aws_iam_role_policy_attachment", "aws_iam_policy_attachment"} & set(resources)
    assert not {"managed_policy_arns", "inline_policy"} & set(resources["aws_iam_role"][role_resource])
    statements = [
        statement
        for attached in resources.get("aws_iam_role_policy", {}).values()
        if reference_name(attached["role"], "aws_iam_role") == role_resource
        for statement in document(stack, attached["policy"])["Statement"]
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def bucket_policy(stack: dict[str, Any]) -> dict[str, Any]:
    """The files bucket's policy (the log bucket has its own)."""
    return document(stack, stack["resource"]["aws_s3_bucket_policy"]["files_policy"]["policy"])
