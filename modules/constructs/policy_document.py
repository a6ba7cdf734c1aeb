"""An IAM document as an `aws_iam_policy_document` data source."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from modules.aws import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from modules.policies.documents import Document, terraform_statements


def policy_document(scope: Construct, address: str, document: Document) -> DataAwsIamPolicyDocument:
    return DataAwsIamPolicyDocument(
        scope,
        address,
        version=document["Version"],
        statement=[_statement(block) for block in terraform_statements(document)],
    )


def _statement(block: dict[str, Any]) -> DataAwsIamPolicyDocumentStatement:
    # jsii converts a dict to a struct only where one struct is expected, not in lists.
    return DataAwsIamPolicyDocumentStatement(
        **{
            **block,
            "condition": [DataAwsIamPolicyDocumentStatementCondition(**c) for c in block.get("condition", [])]
            or None,
            "principals": [
                DataAwsIamPolicyDocumentStatementPrincipals(**p) for p in block.get("principals", [])
            ]
            or None,
        }
    )
