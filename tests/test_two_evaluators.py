"""The second evaluator (iam-simulate) on its own, and the rules for the two evaluators' splits.

tests/test_semantics.py and tests/test_tags.py ask both evaluators every probe (tests/two_evaluators.py).
Here: iam-simulate can fail on its own, each entry of evaluator_disagreements.yaml is still needed
and explains only its own split, a split that no entry explains fails and says who said what, and
the adapter's input steps give runSimulation's decisions.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from modules.config.model import Environment
from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, load_stack
from tests.iam_evaluator import ACCOUNT, role_arn, session_user_id
from tests.second_evaluator import DIRECTORY, EvaluatorError, simulator
from tests.stack_documents import bucket_policy, document
from tests.test_semantics import (
    IDENTITY,
    Probe,
    RoleUnderTest,
    model_allows,
    probe_request,
    probes,
    roles_under_test,
)
from tests.two_evaluators import (
    EvaluatorsDisagree,
    Request,
    Split,
    decide_all,
    disagreements,
    explains,
    iam_simulate_decisions,
    load_disagreements,
    principalmapper_allows,
)

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
SUB = "cognito-identity.amazonaws.com:sub"


@pytest.fixture(scope="module")
def prod(example_out: Path) -> tuple[dict[str, Any], Environment]:
    (environment,) = load_valid_environments(EXAMPLES, ["prod"])
    return load_stack(example_out, "prod"), environment


def role(stack: dict[str, Any], environment: Environment, group: str) -> RoleUnderTest:
    (found,) = [r for r in roles_under_test(stack, environment) if r.role.endswith(f"-{group}")]
    return found


def request(found: RoleUnderTest, environment: Environment, stack: dict[str, Any], probe: Probe) -> Request:
    return probe_request(found, probe, environment.bucket.bucket_name, bucket_policy(stack))


# --- iam-simulate can fail


def test_iam_simulate_alone_reports_a_widened_policy(prod):
    """finance's object statement also names analysts/: iam-simulate (without principalmapper)
    then allows what the access model denies, and only there."""
    stack, environment = copy.deepcopy(prod[0]), prod[1]
    block = stack["data"]["aws_iam_policy_document"]["group_finance_permissions"]
    objects = next(s for s in block["statement"] if "s3:PutObject" in s["actions"] and "condition" not in s)
    objects["resources"].append(f"{environment.bucket.arn}/analysts/*")
    finance, widened = role(prod[0], environment, "finance"), role(stack, environment, "finance")
    # The folder guard would still deny analysts/ to finance: judge the identity policy alone.
    asked = [
        replace_policy(request(widened, environment, stack, p), None) for p in probes(environment, IDENTITY)
    ]
    decisions = iam_simulate_decisions(asked)
    disagree = sorted(
        f"{r.action} {r.resource.rpartition(':::')[2]}"
        for r, d in zip(asked, decisions, strict=True)
        if d.allowed != model_allows(finance.model, probe_of(r))
    )
    assert disagree, "iam-simulate agreed with the model on a widened policy"
    assert "s3:PutObject acme-groupfolders-prod/analysts/x.txt" in disagree
    assert all(line.split()[1].startswith("acme-groupfolders-prod/analysts") for line in disagree), disagree
    original = [replace_policy(request(finance, environment, prod[0], probe_of(r)), None) for r in asked]
    assert [d.allowed for d in iam_simulate_decisions(original)] == [
        model_allows(finance.model, probe_of(r)) for r in original
    ]


def replace_policy(found: Request, resource_policy: dict[str, Any] | None) -> Request:
    return Request(
        found.principal_arn,
        found.action,
        found.resource,
        found.identity_policy,
        resource_policy,
        found.context,
    )


def probe_of(found: Request) -> Probe:
    """The probe a request was made from (a listing's path is its s3:prefix)."""
    if found.action.startswith("s3:List"):
        return Probe(found.action, found.context.get("s3:prefix"))
    return Probe(found.action, found.resource.split("/", 1)[1])


# --- the repair: the web identity's keys reach iam-simulate


def test_the_identity_key_repair_is_needed_and_carries_only_its_keys(prod):
    stack, environment = prod
    analysts = role(stack, environment, "analysts")
    own = request(analysts, environment, stack, Probe("s3:GetObject", f"private/{IDENTITY}/x.txt"))
    (unrepaired,) = iam_simulate_decisions([own], repaired=False)
    assert (unrepaired.allowed, unrepaired.ignored, unrepaired.carried) == (False, (SUB,), ())
    (repaired,) = iam_simulate_decisions([own])
    assert (repaired.allowed, repaired.ignored, repaired.carried) == (True, (SUB,), (SUB,))
    # Another identity's folder stays closed; a key that does not apply to GetObject stays out.
    other = request(analysts, environment, stack, Probe("s3:GetObject", "private/eu-west-1:other/x.txt"))
    with_prefix = Request(**{**own.__dict__, "context": {**own.context, "s3:prefix": "private/"}})
    decisions = iam_simulate_decisions([other, with_prefix])
    assert [(d.allowed, d.ignored, d.carried) for d in decisions] == [
        (False, (SUB,), (SUB,)),
        (True, (SUB, "s3:prefix"), (SUB,)),
    ]
    assert disagreements()["repairs"]["web_identity_session_keys"]["carry"] == [SUB]


def test_the_adapter_decides_as_run_simulation_where_nothing_is_carried(prod):
    """evaluate.mjs does runSimulation's input steps itself (to carry keys): carrying nothing, its
    decisions and left-out keys are runSimulation's, on every probe of finance, each probe also
    handing s3:prefix (a key of listings only) and the identity key (of STS only, to iam-simulate)."""
    stack, environment = prod
    finance = role(stack, environment, "finance")
    asked = [
        Request(**{**r.__dict__, "context": {"s3:prefix": "finance/", **r.context}})
        for r in (request(finance, environment, stack, p) for p in probes(environment, IDENTITY))
    ]
    ours = iam_simulate_decisions(asked, repaired=False)
    theirs = iam_simulate_decisions(asked, checked=True)
    assert [(d.allowed, d.ignored) for d in ours] == [(d.allowed, d.ignored) for d in theirs]
    assert {d.ignored for d in ours} == {(SUB,), (SUB, "s3:prefix")}
    assert sum(d.allowed for d in ours) > 0 and not all(d.allowed for d in ours)


@pytest.mark.parametrize("checked", [False, True], ids=["adapter", "runSimulation"])
def test_a_broken_probe_is_refused_not_denied(checked):
    on_bucket = Request(role_arn("r"), "s3:GetObject", "arn:aws:s3:::b", ADMIN)
    unknown = Request(role_arn("r"), "s3:GetObjects", "arn:aws:s3:::b/x", ADMIN)
    for broken, message in [
        (on_bucket, "iam-simulate refused s3:GetObject on arn:aws:s3:::b: "),
        (unknown, "iam-simulate refused s3:GetObjects on arn:aws:s3:::b/x: "),
    ]:
        with pytest.raises(EvaluatorError) as caught:
            iam_simulate_decisions([broken], checked=checked)
        assert str(caught.value).startswith(message), caught.value
    (fine,) = iam_simulate_decisions([Request(role_arn("r"), "s3:GetObject", "arn:aws:s3:::b/x", ADMIN)])
    assert fine.allowed


# --- the listed disagreements: each still needed, each explaining only its own split


def case_probe(prod) -> Request:
    stack, environment = prod
    finance = role(stack, environment, "finance")
    return request(finance, environment, stack, Probe("s3:GetObject", "FINANCE/REPORTS/x.txt"))


def plus_probe(prod, who: str) -> Request:
    """The prod bucket policy with an exempt principal role/deploy+ci (PRINCIPAL_ARN allows "+"),
    as synthesis would write it; an administrator role reads a guarded folder."""
    stack = copy.deepcopy(prod[0])
    block = stack["data"]["aws_iam_policy_document"]["files_policy_document"]
    for statement in block["statement"]:
        for condition in statement.get("condition", []):
            if condition["variable"] == "aws:PrincipalArn":
                condition["values"].append(role_arn("deploy+ci"))
    policy = document(stack, stack["resource"]["aws_s3_bucket_policy"]["files_policy"]["policy"])
    key = f"arn:aws:s3:::{prod[1].bucket.bucket_name}/finance/reports/q1.pdf"
    return Request(role_arn(who), "s3:GetObject", key, ADMIN, policy)


def test_principalmapper_reads_resources_without_case_and_iam_simulate_is_taken(prod):
    """The model denies FINANCE/REPORTS/ to finance (S3 keys have case); principalmapper allows."""
    asked = case_probe(prod)
    (second,) = iam_simulate_decisions([asked])
    assert (principalmapper_allows(asked), second.allowed) == (True, False)
    assert explains("principalmapper_resource_case", asked, Split(True, False))
    assert not explains("principalmapper_unescaped_pattern", asked, Split(True, False))
    assert decide_all([asked]) == [False]
    finance = role(*prod, "finance")
    assert not model_allows(finance.model, Probe("s3:GetObject", "FINANCE/REPORTS/x.txt"))


def test_principalmapper_reads_a_plus_as_a_regex_and_iam_simulate_is_taken(prod):
    """The guard exempts role/deploy+ci; principalmapper denies it (and only it, of these)."""
    exempt = plus_probe(prod, "deploy+ci")
    (second,) = iam_simulate_decisions([exempt])
    assert (principalmapper_allows(exempt), second.allowed) == (False, True)
    assert explains("principalmapper_unescaped_pattern", exempt, Split(False, True))
    assert not explains("principalmapper_tag_variable_case", exempt, Split(False, True))
    assert decide_all([exempt]) == [True]
    assert decide_all([plus_probe(prod, "groupfolders-deployer"), plus_probe(prod, "admin")]) == [True, False]


def missing_tag_probe() -> Request:
    """A Deny unless the principal's tag k looks like a folder, asked by a principal without k."""
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"StringNotLike": {"aws:PrincipalTag/k": ["?*/"]}},
            }
        ],
    }
    return Request(role_arn("r"), "s3:GetObject", "arn:aws:s3:::b/x", ADMIN, deny)


def test_principalmapper_reads_a_negated_condition_on_a_missing_key_as_false():
    """IAM: true, so the Deny holds; iam-simulate agrees; principalmapper lets it drop."""
    asked = missing_tag_probe()
    (second,) = iam_simulate_decisions([asked])
    assert (principalmapper_allows(asked), second.allowed) == (True, False)
    assert explains("principalmapper_negated_missing_key", asked, Split(True, False))
    assert decide_all([asked]) == [False]


def test_every_listed_disagreement_is_still_needed(prod):
    """Each entry's split happens (the two evaluators give its verdicts on a probe of ours)."""
    probes_by_entry = {
        "principalmapper_resource_case": case_probe(prod),
        "principalmapper_unescaped_pattern": plus_probe(prod, "deploy+ci"),
        "principalmapper_tag_variable_case": tag_probe({"Read.1": "a/"}),
        "principalmapper_negated_missing_key": missing_tag_probe(),
    }
    assert set(probes_by_entry) == set(disagreements()["disagreements"])
    for name, asked in probes_by_entry.items():
        entry = disagreements()["disagreements"][name]
        (second,) = iam_simulate_decisions([asked])
        verdicts = (
            "Allow" if principalmapper_allows(asked) else "Deny",
            "Allow" if second.allowed else "Deny",
        )
        assert verdicts == (entry["principalmapper"], entry["iam-simulate"]), name


def test_a_split_that_no_entry_explains_fails_and_says_who_said_what():
    """A probe that hands s3:prefix to GetObject: principalmapper uses the key, iam-simulate leaves
    it out (it is a key of listings only). No listed misreading explains that: the test fails."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"StringLike": {"s3:prefix": "finance/*"}},
            }
        ],
    }
    asked = Request(
        role_arn("r"), "s3:GetObject", "arn:aws:s3:::b/finance/x", policy, None, {"s3:prefix": "finance/"}
    )
    with pytest.raises(EvaluatorsDisagree) as caught:
        decide_all([asked])
    context = {
        "aws:PrincipalAccount": ACCOUNT,
        "aws:PrincipalArn": role_arn("r"),
        "aws:SecureTransport": "true",
        "aws:userid": session_user_id(role_arn("r")),
        "s3:prefix": "finance/",
    }
    assert str(caught.value) == (
        f"principalmapper Allow, iam-simulate Deny: s3:GetObject on arn:aws:s3:::b/finance/x as {role_arn('r')}, "
        f"context {json.dumps(context, sort_keys=True)}; no entry of evaluator_disagreements.yaml explains it"
    )
    agreed = Request(role_arn("r"), "s3:GetObject", "arn:aws:s3:::b/finance/x", ADMIN)
    assert decide_all([agreed]) == [True]


# --- the request: one context for both evaluators


def test_the_request_context_is_complete_and_refuses_keys_that_iam_would_merge():
    tagged = Request(
        role_arn("r"),
        "s3:GetObject",
        "arn:aws:s3:::b/x",
        ADMIN,
        None,
        {"s3:TlsVersion": "1.3"},
        {"read.1": "a/"},
    )
    assert tagged.request_context() == {
        "aws:PrincipalArn": role_arn("r"),
        "aws:PrincipalAccount": ACCOUNT,
        "aws:userid": session_user_id(role_arn("r")),
        "aws:SecureTransport": "true",
        "s3:TlsVersion": "1.3",
        "aws:PrincipalTag/read.1": "a/",
    }
    insecure = Request(
        role_arn("r"), "s3:GetObject", "arn:aws:s3:::b/x", ADMIN, None, {"aws:SecureTransport": "false"}
    )
    assert insecure.request_context()["aws:SecureTransport"] == "false"
    by_case = Request(
        role_arn("r"), "s3:GetObject", "arn:aws:s3:::b/x", ADMIN, None, {}, {"read.1": "a/", "Read.1": "b/"}
    )
    with pytest.raises(ValueError) as caught:
        by_case.request_context()
    assert str(caught.value) == (
        "context keys that IAM would read as one (case aside): ['aws:PrincipalAccount', 'aws:PrincipalArn', "
        "'aws:PrincipalTag/Read.1', 'aws:PrincipalTag/read.1', 'aws:SecureTransport', 'aws:userid']"
    )
    twice = Request(
        role_arn("r"),
        "s3:GetObject",
        "arn:aws:s3:::b/x",
        ADMIN,
        None,
        {"aws:PrincipalTag/read.1": "a/"},
        {"read.1": "a/"},
    )
    with pytest.raises(
        ValueError, match=r"^principal tag 'read\.1' is given twice: in the context and as a tag$"
    ):
        twice.request_context()


TAGGED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:PrincipalTag/read.1}*",
            "Condition": {"StringLike": {"aws:PrincipalTag/read.1": "?*/"}},
        }
    ],
}


def tag_probe(tags: dict[str, str]) -> Request:
    return Request(role_arn("r"), "s3:GetObject", "arn:aws:s3:::b/a/x", TAGGED, None, {}, tags)


def test_principal_tags_reach_both_evaluators():
    assert decide_all([tag_probe({"read.1": "a/"}), tag_probe({"read.1": "b/"}), tag_probe({})]) == [
        True,
        False,
        False,
    ]


def test_principalmapper_fills_a_tag_variable_only_in_its_own_case_and_iam_simulate_is_taken():
    """IAM reads tag keys without case: a tag Read.1 fills ${aws:PrincipalTag/read.1}."""
    other_case = tag_probe({"Read.1": "a/"})
    (second,) = iam_simulate_decisions([other_case])
    assert (principalmapper_allows(other_case), second.allowed) == (False, True)
    assert explains("principalmapper_tag_variable_case", other_case, Split(False, True))
    assert not explains("principalmapper_unescaped_pattern", other_case, Split(False, True))
    assert decide_all([other_case, tag_probe({"READ.1": "b/"})]) == [True, False]


# --- the listing file and the process


def test_the_listing_is_checked(tmp_path):
    listed = yaml_text(disagreements())
    path = tmp_path / "evaluator_disagreements.yaml"
    path.write_text(listed.replace("    right: iam-simulate\n", "", 1))
    with pytest.raises(
        ValueError, match=r"^evaluator_disagreements\.yaml: principalmapper_resource_case lacks \['right'\]$"
    ):
        load_disagreements(path)
    path.write_text(listed.replace("principalmapper_resource_case:", "principalmapper_other:"))
    with pytest.raises(
        ValueError,
        match=r"^evaluator_disagreements\.yaml: disagreements and NEUTRALISERS name different entries$",
    ):
        load_disagreements(path)
    path.write_text(listed)
    assert load_disagreements(path) == disagreements()


def yaml_text(listed: dict[str, Any]) -> str:
    import yaml  # noqa: PLC0415 - only this helper writes YAML

    return yaml.safe_dump(listed, sort_keys=False)


def test_one_process_answers_every_batch_and_the_version_is_pinned(prod):
    running = simulator()
    pid = running._process.pid
    stack, environment = prod
    analysts = role(stack, environment, "analysts")
    batch = [request(analysts, environment, stack, p) for p in probes(environment, IDENTITY)]
    assert len(decide_all(batch)) == len(batch) > 500
    assert simulator() is running and running._process.pid == pid and running._process.poll() is None
    package = json.loads((DIRECTORY / "package.json").read_text())
    lock = json.loads((DIRECTORY / "package-lock.json").read_text())
    assert package["dependencies"]["@cloud-copilot/iam-simulate"] == running.version == "0.1.173"
    for name, version in package["dependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name
    assert all(entry.get("integrity") for key, entry in lock["packages"].items() if key)
