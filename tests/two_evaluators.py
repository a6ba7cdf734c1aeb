"""Two IAM evaluators that we did not write, asked the same question: principalmapper (Python,
tests/iam_evaluator.py) and iam-simulate (Node.js, tests/second_evaluator.py).

A `Request` carries everything IAM would know of one probe: the principal, the action and
resource, the role's identity policy, the resource (bucket) policy, and the whole request
context, principal tags included. Both evaluators receive the same context, built here once
(`Request.request_context`), so neither fills in keys the other lacks. `decide_all` returns
IAM's verdict when the two agree; when they split, the split must be one listed in
tests/evaluator_disagreements.yaml (which evaluator misreads what, and why), and the verdict
is that of the evaluator that reads IAM right. Any other split fails the test that asked.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from tests import iam_evaluator
from tests.second_evaluator import SimulatorDecision, SimulatorRequest, simulator

DISAGREEMENTS_FILE = Path(__file__).with_name("evaluator_disagreements.yaml")
PRINCIPAL_TAG = "aws:PrincipalTag/"
EVALUATORS = ("principalmapper", "iam-simulate")
POLICY_VARIABLE = re.compile(r"(\$\{[^}]*\})")


@dataclass(frozen=True)
class Request:
    """One probe as IAM receives it.

    `context`: the request's own keys (`s3:prefix`, `aws:SecureTransport`, `s3:TlsVersion`, the
    web identity's `cognito-identity.amazonaws.com:sub`, ...). `principal_tags`: the session's
    principal tags as IAM resolves them (the caller works out which tag wins; keys that differ
    only in case are refused, since IAM would see one key).
    """

    principal_arn: str
    action: str
    resource: str
    identity_policy: Mapping[str, Any]
    resource_policy: Mapping[str, Any] | None = None
    context: Mapping[str, str] = field(default_factory=dict)
    principal_tags: Mapping[str, str] = field(default_factory=dict)

    def request_context(self) -> dict[str, str]:
        """What both evaluators see: the principal's keys (IAM sets them for every request;
        principalmapper would infer them, iam-simulate would not), HTTPS unless the probe
        says otherwise, the request's keys, and one `aws:PrincipalTag/K` per tag."""
        context = {
            "aws:PrincipalArn": self.principal_arn,
            "aws:PrincipalAccount": self.principal_arn.split(":")[4],
            "aws:userid": iam_evaluator.session_user_id(self.principal_arn),
            "aws:SecureTransport": "true",
            **self.context,
        }
        for key, value in self.principal_tags.items():
            if PRINCIPAL_TAG + key in context:
                raise ValueError(f"principal tag {key!r} is given twice: in the context and as a tag")
            context[PRINCIPAL_TAG + key] = value
        keys = [key.lower() for key in context]
        if len(keys) != len(set(keys)):
            raise ValueError(f"context keys that IAM would read as one (case aside): {sorted(context)}")
        return context


@dataclass(frozen=True)
class Split:
    """Where the evaluators disagree: each one's verdict."""

    principalmapper: bool
    iam_simulate: bool


class EvaluatorsDisagree(AssertionError):
    pass


def evaluate(
    policy: Mapping[str, Any],
    action: str,
    resource_arn: str,
    context: Mapping[str, str],
    resource_policy: Mapping[str, Any] | None = None,
    *,
    principal_arn: str = iam_evaluator.ROLE_ARN,
    principal_tags: Mapping[str, str] | None = None,
) -> bool:
    """iam_evaluator.evaluate's question, put to both evaluators (same arguments, same answer)."""
    request = Request(
        principal_arn, action, resource_arn, policy, resource_policy, context, principal_tags or {}
    )
    (allowed,) = decide_all([request])
    return allowed


def decide_all(requests: Sequence[Request]) -> list[bool]:
    """IAM's verdict on each request, by both evaluators: iam-simulate gets the whole batch at
    once and works on it while principalmapper does."""
    second = simulator().submit([simulator_request(request) for request in requests])
    first = [principalmapper_allows(request) for request in requests]
    splits = [Split(one, other.allowed) for one, other in zip(first, second(), strict=True)]
    return [verdict(request, split) for request, split in zip(requests, splits, strict=True)]


def principalmapper_allows(request: Request) -> bool:
    return iam_evaluator.evaluate(
        request.identity_policy,
        request.action,
        request.resource,
        request.request_context(),
        request.resource_policy,
        principal_arn=request.principal_arn,
        principal_tags=request.principal_tags,
    )


def iam_simulate_decisions(
    requests: Sequence[Request], *, repaired: bool = True, checked: bool = False
) -> list[SimulatorDecision]:
    """iam-simulate's own decisions. `repaired=False` leaves out the repairs (to show that each
    is needed); `checked=True` asks runSimulation itself (see tests/iam_simulate/evaluate.mjs)."""
    asked = [simulator_request(request, repaired=repaired, checked=checked) for request in requests]
    return simulator().decide(asked)


def simulator_request(request: Request, *, repaired: bool = True, checked: bool = False) -> SimulatorRequest:
    carry = [key for repair in disagreements()["repairs"].values() for key in repair["carry"]]
    return SimulatorRequest(
        principal=request.principal_arn,
        action=request.action,
        resource=request.resource,
        account=iam_evaluator.ACCOUNT,  # the bucket's account, as for principalmapper
        identity_policies=(request.identity_policy,),
        resource_policy=request.resource_policy,
        context=request.request_context(),
        carry=tuple(carry) if repaired and not checked else (),
        checked=checked,
    )


def verdict(request: Request, split: Split) -> bool:
    if split.principalmapper == split.iam_simulate:
        return split.principalmapper
    explained = [name for name in disagreements()["disagreements"] if explains(name, request, split)]
    if not explained:
        raise EvaluatorsDisagree(describe(request, split))
    return getattr(split, disagreements()["disagreements"][explained[0]]["right"].replace("-", "_"))


def describe(request: Request, split: Split) -> str:
    return (
        f"principalmapper {allow_or_deny(split.principalmapper)}, iam-simulate "
        f"{allow_or_deny(split.iam_simulate)}: {request.action} on {request.resource} as "
        f"{request.principal_arn}, context {json.dumps(request.request_context(), sort_keys=True)}; "
        f"no entry of {DISAGREEMENTS_FILE.name} explains it"
    )


def allow_or_deny(allowed: bool) -> str:
    return "Allow" if allowed else "Deny"


def explains(name: str, request: Request, split: Split) -> bool:
    """The entry's verdicts are the split's, and the two evaluators agree once the request is
    rewritten so that the misreading the entry names cannot arise."""
    entry = disagreements()["disagreements"][name]
    verdicts = (allow_or_deny(split.principalmapper), allow_or_deny(split.iam_simulate))
    if verdicts != (entry["principalmapper"], entry["iam-simulate"]):
        return False
    rewritten = NEUTRALISERS[name](request)
    (second,) = iam_simulate_decisions([rewritten])
    return principalmapper_allows(rewritten) == second.allowed


def _without_case(request: Request) -> Request:
    """ARNs in one case: the resource, and every Resource and NotResource of the policies (their
    policy variables as written: a variable's name is no ARN)."""

    def lower(arn: str) -> str:
        parts = POLICY_VARIABLE.split(arn)
        return "".join(part if index % 2 else part.lower() for index, part in enumerate(parts))

    def lowered(policy: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        if policy is None:
            return None
        copied = copy.deepcopy(dict(policy))
        statements = copied["Statement"]
        for statement in [statements] if isinstance(statements, dict) else statements:
            for key in ("Resource", "NotResource"):
                if key in statement:
                    value = statement[key]
                    statement[key] = lower(value) if isinstance(value, str) else [lower(v) for v in value]
        return copied

    return replace(
        request,
        resource=request.resource.lower(),
        identity_policy=lowered(request.identity_policy) or {},
        resource_policy=lowered(request.resource_policy),
    )


# The characters that principalmapper leaves unescaped when it turns a pattern into a regex
# (braces aside: it substitutes `${...}` before it builds the regex).
REGEX_CHARACTERS = str.maketrans(dict.fromkeys("+()[]|\\", "_"))


def _without_regex_characters(request: Request) -> Request:
    """Every such character, in every string of the request and its policies, replaced by `_`."""

    def rewritten(value: Any) -> Any:
        if isinstance(value, str):
            return value.translate(REGEX_CHARACTERS)
        if isinstance(value, Mapping):
            return {rewritten(key): rewritten(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [rewritten(item) for item in value]
        return value

    return Request(**{name: rewritten(value) for name, value in request.__dict__.items()})


TAG_VARIABLE = re.compile(r"\$\{aws:PrincipalTag/([^}]*)\}", re.IGNORECASE)


def _tag_keys_in_one_case(request: Request) -> Request:
    """Principal tag keys in lower case: the tags, and the `${aws:PrincipalTag/...}` of the policies."""

    def lowered(policy: Mapping[str, Any] | None) -> Any:
        text = TAG_VARIABLE.sub(lambda m: f"${{{PRINCIPAL_TAG}{m.group(1).lower()}}}", json.dumps(policy))
        return json.loads(text)

    def key(name: str) -> str:
        tag = name[len(PRINCIPAL_TAG) :] if name.lower().startswith(PRINCIPAL_TAG.lower()) else None
        return name if tag is None else PRINCIPAL_TAG + tag.lower()

    return replace(
        request,
        identity_policy=lowered(request.identity_policy),
        resource_policy=lowered(request.resource_policy),
        context={key(name): value for name, value in request.context.items()},
        principal_tags={tag.lower(): value for tag, value in request.principal_tags.items()},
    )


NEGATED_TAG_CONDITION = re.compile(r'"(?:String|Arn)Not\w*": \{[^{}]*\}')
CONDITION_TAG_KEY = re.compile(r'"aws:PrincipalTag/([^"]+)"', re.IGNORECASE)


def _negated_keys_present(request: Request) -> Request:
    """Every principal tag that a negated condition of the policies names, present: the missing
    ones with the empty value."""
    named = {
        key
        for policy in (request.identity_policy, request.resource_policy)
        for block in NEGATED_TAG_CONDITION.findall(json.dumps(policy))
        for key in CONDITION_TAG_KEY.findall(block)
    }
    held = {key.lower() for key in request.principal_tags}
    missing = {key: "" for key in sorted(named) if key.lower() not in held}
    return replace(request, principal_tags={**request.principal_tags, **missing})


# Each rewrite is documented (which evaluator misreads what, and why) in evaluator_disagreements.yaml.
NEUTRALISERS: dict[str, Callable[[Request], Request]] = {
    "principalmapper_resource_case": _without_case,
    "principalmapper_unescaped_pattern": _without_regex_characters,
    "principalmapper_tag_variable_case": _tag_keys_in_one_case,
    "principalmapper_negated_missing_key": _negated_keys_present,
}


@functools.cache
def disagreements() -> dict[str, Any]:
    return load_disagreements(DISAGREEMENTS_FILE)


def load_disagreements(path: Path) -> dict[str, Any]:
    """The listing, checked: every entry complete and split, every rewrite implemented."""
    listed = yaml.safe_load(path.read_text())
    if set(listed["disagreements"]) != set(NEUTRALISERS):
        raise ValueError(f"{path.name}: disagreements and NEUTRALISERS name different entries")
    required = [
        (listed["repairs"], {"evaluator", "carry", "reason"}),
        (listed["disagreements"], {*EVALUATORS, "right", "reason"}),
    ]
    for entries, keys in required:
        for name, entry in entries.items():
            if keys - set(entry):
                raise ValueError(f"{path.name}: {name} lacks {sorted(keys - set(entry))}")
    for name, entry in listed["disagreements"].items():
        if entry["right"] not in EVALUATORS or entry["principalmapper"] == entry["iam-simulate"]:
            raise ValueError(f"{path.name}: {name} must split the evaluators and name the right one")
    return listed
