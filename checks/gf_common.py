"""Shared parsing for the CKV_GF_* checks: checkov's conf shapes and IAM policy documents.

How checkov loads this directory (checkov 3.3.30, `--external-checks-dir checks`): it walks
the directory, puts it on `sys.path`, and executes every `.py` file except `__init__.py` as a
top-level module named after the file. Consequences:

- this module is executed like a check file too, so it must not instantiate any check
  (a check registers itself with checkov when it is instantiated, not when it is defined);
- check files import it as `import gf_common`: the files are not loaded as a package, so a
  relative import (`from . import gf_common`) has no parent package and fails, and
  `from checks import ...` only works when the current directory happens to be the repo root.

Both frameworks reach the checks with values wrapped by checkov: an attribute is `[value]`,
a list attribute `[[a, b]]`, nested blocks a list of dicts. Inline policy strings are still
JSON text in `.tf.json` and already dicts in `.tf` (jsonencode / heredoc).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

# Where each resource type keeps a policy document.
TRUST_POLICY_ATTRIBUTES: Mapping[str, str] = {"aws_iam_role": "assume_role_policy"}
PERMISSION_POLICY_ATTRIBUTES: Mapping[str, str] = {
    "aws_iam_role_policy": "policy",
    "aws_iam_policy": "policy",
    "aws_s3_bucket_policy": "policy",
}


def guideline(check_id: str) -> str:
    """Where a finding's reader learns what the rule wants: the rule's section in checks/README.md
    (checkov prints it as "Guide:" and puts it in its JSON and SARIF output)."""
    return f"checks/README.md#{check_id.lower()}"


# --- checkov's conf values ---------------------------------------------------------------


def scalar(value: Any) -> Any:
    """Unwrap checkov's one-element list around an attribute value: `[x]` -> `x`."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def strings(value: Any) -> tuple[str, ...]:
    """A string or (nested) list of strings as a flat tuple: covers `"a"`, `["a"]`, `[["a", "b"]]`."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, bool):  # JSON true/false reach us as bool; IAM compares text
        return ("true" if value else "false",)
    if isinstance(value, int | float):
        return (str(value),)
    if isinstance(value, list):
        return tuple(text for item in value for text in strings(item))
    return ()


def text(value: Any) -> str:
    """The first string of a value (`["Allow"]` -> "Allow"); "" when there is none."""
    return next(iter(strings(value)), "")


def blocks(value: Any) -> list[dict[str, Any]]:
    """Nested blocks as a list of dicts (a single JSON object counts as one block)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [block for item in value for block in blocks(item)]
    return []


# --- policy documents, normalised ----------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    test: str  # the operator, e.g. "StringLike"
    variable: str  # the condition key, e.g. "s3:prefix"
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One IAM statement, whether written as an aws_iam_policy_document block or as JSON."""

    effect: str
    actions: tuple[str, ...]  # empty with NotAction (IAM allows one or the other)
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]  # NotResource: everything except these
    federated: tuple[str, ...]  # identifiers of Federated principals
    conditions: tuple[Condition, ...]

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def conditions_on(self, variable: str) -> tuple[Condition, ...]:
        # IAM condition key names are case-insensitive.
        return tuple(c for c in self.conditions if c.variable.lower() == variable.lower())

    def values_of(self, test: str, variable: str) -> tuple[str, ...]:
        return tuple(v for c in self.conditions_on(variable) if c.test == test for v in c.values)


def statements_from_document_data(conf: Mapping[str, Any]) -> list[Statement]:
    """Statements of a `data "aws_iam_policy_document"` conf."""
    return [_document_statement(block) for block in blocks(conf.get("statement"))]


def _document_statement(block: Mapping[str, Any]) -> Statement:
    return Statement(
        effect=text(block.get("effect")) or "Allow",  # the data source's default
        actions=strings(block.get("actions")),
        resources=strings(block.get("resources")),
        not_resources=strings(block.get("not_resources")),
        federated=tuple(
            identifier
            for principal in blocks(block.get("principals"))
            if text(principal.get("type")) == "Federated"
            for identifier in strings(principal.get("identifiers"))
        ),
        conditions=tuple(
            Condition(text(c.get("test")), text(c.get("variable")), strings(c.get("values")))
            for c in blocks(block.get("condition"))
        ),
    )


def statements_from_policy_json(document: Mapping[str, Any]) -> list[Statement]:
    """Statements of a policy in IAM JSON form (a parsed string or a jsonencode'd object)."""
    raw = document.get("Statement", [])
    return [_json_statement(s) for s in (raw if isinstance(raw, list) else [raw]) if isinstance(s, dict)]


def _json_statement(statement: Mapping[str, Any]) -> Statement:
    principal = statement.get("Principal")
    return Statement(
        effect=text(statement.get("Effect")) or "Allow",  # absent is invalid IAM: judge it as a grant
        actions=strings(statement.get("Action")),
        resources=strings(statement.get("Resource")),
        not_resources=strings(statement.get("NotResource")),
        federated=strings(principal.get("Federated")) if isinstance(principal, dict) else (),
        conditions=_json_conditions(statement.get("Condition")),
    )


def _json_conditions(raw: Any) -> tuple[Condition, ...]:
    # {"StringLike": {"s3:prefix": ["a/", "a/*"]}} -> one Condition per (operator, key)
    if not isinstance(raw, dict):
        return ()
    return tuple(
        Condition(test, variable, strings(values))
        for test, pairs in raw.items()
        if isinstance(pairs, dict)
        for variable, values in pairs.items()
    )


def policy_document(value: Any) -> dict[str, Any] | None:
    """An inline policy as a dict; None if it cannot be read here.

    None covers references such as `${data.aws_iam_policy_document.x.json}` (tf.json) or
    `data.aws_iam_policy_document.x.json` (.tf): the data source is judged by the data check.
    """
    document = scalar(value)
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    return document if isinstance(document, dict) else None


# --- turning per-statement judgements into a check result ------------------------------------

# A rule judges one statement: True = complies, False = violates, None = the rule does not apply.
StatementRule = Callable[[Statement], bool | None]


def verdict(statements: Iterable[Statement], rule: StatementRule) -> CheckResult:
    """FAILED if any statement violates the rule; PASSED if at least one complies.

    A document in which no statement is subject to the rule is UNKNOWN, which checkov leaves
    out of the report: "not applicable" rather than a pass that says nothing.
    """
    judgements = [rule(statement) for statement in statements]
    if any(j is False for j in judgements):
        return CheckResult.FAILED
    if any(j is True for j in judgements):
        return CheckResult.PASSED
    return CheckResult.UNKNOWN


class PolicyDocumentDataCheck(BaseDataCheck):
    """Applies a statement rule to every `aws_iam_policy_document` data source."""

    def __init__(self, check_id: str, name: str, rule: StatementRule) -> None:
        self.rule = rule
        super().__init__(
            name=name,
            id=check_id,
            categories=(CheckCategories.IAM,),
            supported_data=("aws_iam_policy_document",),
            guideline=guideline(check_id),
        )

    def scan_data_conf(self, conf: dict[str, Any]) -> CheckResult:
        return verdict(statements_from_document_data(conf), self.rule)

    def get_evaluated_keys(self) -> list[str]:
        return ["statement"]


class InlinePolicyResourceCheck(BaseResourceCheck):
    """Applies a statement rule to policies written inline in resources (JSON or jsonencode)."""

    def __init__(
        self, check_id: str, name: str, rule: StatementRule, policy_attributes: Mapping[str, str]
    ) -> None:
        self.rule = rule
        self.policy_attributes = policy_attributes
        super().__init__(
            name=name,
            id=check_id,
            categories=(CheckCategories.IAM,),
            supported_resources=tuple(policy_attributes),
            guideline=guideline(check_id),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        document = policy_document(conf.get(self.policy_attributes[self.entity_type]))
        if document is None:
            return CheckResult.UNKNOWN
        return verdict(statements_from_policy_json(document), self.rule)

    def get_evaluated_keys(self) -> list[str]:
        return [self.policy_attributes.get(self.entity_type, "policy")]
