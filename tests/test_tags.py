"""role_mapping tags: a member of several groups reaches exactly the union of their folders.

The proof runs what AWS would run, from the synthesized stack of environments/union.yaml: the
handler unzipped from the stack's own Lambda asset turns an AWS-documented V1_0 pre-token
event into ID-token claims; the stack's own principal tag mapping turns claims into tags;
principalmapper and iam-simulate (not ours; tests/two_evaluators.py) evaluate the synthesized
folders-role policy and bucket policy with those tags. Expected: the union of the single-group access model (tests/test_semantics.py
holds that model to the evaluator for one-group roles).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import logging
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from modules import naming
from modules.access_model import PRIVATE_FOLDER, environment_access
from modules.config.model import Environment
from modules.errors import ConfigError
from modules.policies.principal_tags import TAG_VALUE
from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, PROJECT, load_stack
from tests.iam_evaluator import lint, role_arn
from tests.test_semantics import IDENTITY, Probe, bucket_policy, probes, role_policy
from tests.two_evaluators import Request, decide_all

ENVIRONMENT = "union"
HANDLER_SOURCE = Path(__file__).resolve().parents[1] / "templates" / "lambda" / "pre_token_generation.py"


@pytest.fixture(scope="module")
def environment() -> Environment:
    (found,) = load_valid_environments(EXAMPLES, [ENVIRONMENT])
    return found


@pytest.fixture(scope="module")
def stack(example_out: Path) -> dict[str, Any]:
    return load_stack(example_out, ENVIRONMENT)


@pytest.fixture(scope="module")
def handler_module(example_out: Path, stack, tmp_path_factory) -> ModuleType:
    """The handler exactly as deployed: from the zip that the stack's function names."""
    function = stack["resource"]["aws_lambda_function"]["folder_claims_function"]
    unzipped = tmp_path_factory.mktemp("lambda")
    with zipfile.ZipFile(example_out / "stacks" / ENVIRONMENT / function["filename"]) as archive:
        archive.extractall(unzipped)
    module_name = function["handler"].rpartition(".")[0]
    spec = importlib.util.spec_from_file_location(f"deployed_{module_name}", unzipped / f"{module_name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def v1_event(groups: list[str]) -> dict[str, Any]:
    """A Pre Token Generation event, version 1 (TokenGeneration_Authentication), as AWS documents it."""
    return {
        "version": "1",
        "triggerSource": "TokenGeneration_Authentication",
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_Example1",
        "userName": "member",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "exampleclient"},
        "request": {
            "userAttributes": {"sub": "11111111-2222-4333-8444-555555555555", "email": "m@example.com"},
            "groupConfiguration": {
                "groupsToOverride": groups,
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
            "clientMetadata": {},
        },
        "response": {"claimsOverrideDetails": None},
    }


def claims_of(handler: Callable[..., dict[str, Any]], groups: list[str]) -> dict[str, str]:
    response = handler(v1_event(groups), None)["response"]["claimsOverrideDetails"]
    return response["claimsToAddOrOverride"]


def principal_tags(stack: dict[str, Any], claims: dict[str, str]) -> dict[str, str]:
    """What the identity pool passes to STS: the stack's tag → claim mapping, applied."""
    (mapping,) = stack["resource"]["aws_cognito_identity_pool_provider_principal_tag"].values()
    assert mapping["use_defaults"] is False
    return {tag: claims[claim] for tag, claim in mapping["principal_tags"].items() if claim in claims}


@dataclass(frozen=True)
class FoldersRole:
    """The folders role as IAM sees it: its policy and ARN, and the bucket with its policy."""

    policy: dict[str, Any]
    arn: str
    bucket_policy: dict[str, Any]
    bucket: str


@pytest.fixture(scope="module")
def folders_role(stack, environment) -> FoldersRole:
    name = stack["resource"]["aws_iam_role"]["folders_role"]["name"]
    return FoldersRole(
        role_policy(stack, "folders_role"),
        role_arn(name),
        bucket_policy(stack),
        environment.bucket.bucket_name,
    )


def tags_request(role: FoldersRole, tags: dict[str, str], probe: Probe) -> Request:
    """The probe as IAM receives it from a session of the folders role with principal tags `tags`."""
    context = {"cognito-identity.amazonaws.com:sub": IDENTITY, "aws:SecureTransport": "true"}
    bucket = f"arn:aws:s3:::{role.bucket}"
    resource = bucket if probe.is_listing else f"{bucket}/{probe.path}"
    if probe.is_listing and probe.path is not None:
        context["s3:prefix"] = probe.path
    return Request(role.arn, probe.action, resource, role.policy, role.bucket_policy, context, tags)


def evaluator_allows(role: FoldersRole, tags: dict[str, str], probe: Probe) -> bool:
    (allowed,) = decide_all([tags_request(role, tags, probe)])
    return allowed


def group_sets(environment: Environment) -> list[tuple[str, ...]]:
    names = [group.name for group in environment.groups_by_name]
    return [s for size in range(4) for s in combinations(names, size)]


def mismatches(
    role: FoldersRole, environment: Environment, tags: dict[str, str], groups: tuple[str, ...]
) -> list[str]:
    """Where the evaluator's verdict differs from the union of `groups`' single-group access."""
    roles = environment_access(environment).roles
    # With no folder tags (no group, or claims refused) the role keeps the private folder only.
    private = replace(roles[0], grants=tuple(g for g in roles[0].grants if g.prefix == PRIVATE_FOLDER))
    models = [private, *(role for role in roles if role.group in groups)]
    found = []
    asked = list(probes(environment, IDENTITY))
    verdicts = decide_all([tags_request(role, tags, probe) for probe in asked])
    for probe, got in zip(asked, verdicts, strict=True):
        expected = any(m.allows(probe.action, probe.path or "", IDENTITY) for m in models)
        if got != expected:
            found.append(f"{groups} {probe.action} {probe.path!r}: evaluator {got}, expected {expected}")
    return found


# --- the proof


def test_every_set_of_up_to_three_groups_reaches_exactly_the_union(
    stack, environment, handler_module, folders_role
):
    sets = group_sets(environment)
    assert len(sets) == 1 + 4 + 6 + 4
    found = []
    for groups in sets:
        tags = principal_tags(stack, claims_of(handler_module.handler, list(groups)))
        found += mismatches(folders_role, environment, tags, groups)
    assert not found, "\n".join(found[:40])


def test_the_union_is_not_vacuous(stack, handler_module, folders_role):
    """A member of finance and uploads writes in finance/reports/ and in inbox/ (two levels)."""
    tags = principal_tags(stack, claims_of(handler_module.handler, ["finance", "uploads"]))
    assert tags == {
        "readwrite-nodelete.1": "finance/invoices/",
        "readwrite-nodelete.2": "finance/reports/",
        "readwrite-nodelete.3": "reports/",  # the shared folder, at finance's level there
        "write.1": "inbox/",
    }
    for path in ("finance/reports/q1.pdf", "finance/invoices/i.pdf", "inbox/drop.csv"):
        assert evaluator_allows(folders_role, tags, Probe("s3:PutObject", path))
    assert not evaluator_allows(folders_role, tags, Probe("s3:GetObject", "inbox/drop.csv"))
    assert not evaluator_allows(folders_role, tags, Probe("s3:GetObject", "content/x"))


def test_a_shared_folder_is_granted_once_at_each_holders_level(stack, handler_module, folders_role):
    """analysts and editors both read reports/: one tag. editors' own level is readwrite, so
    editors alone read reports/ and write content/; with finance, reports/ is written too."""
    tags = principal_tags(stack, claims_of(handler_module.handler, ["analysts", "editors"]))
    assert tags == {"read.1": "analysts/", "read.2": "reports/", "readwrite.1": "content/"}
    editors = principal_tags(stack, claims_of(handler_module.handler, ["editors"]))
    assert editors == {"read.1": "reports/", "readwrite.1": "content/"}
    assert evaluator_allows(folders_role, editors, Probe("s3:GetObject", "reports/q1.pdf"))
    assert not evaluator_allows(folders_role, editors, Probe("s3:PutObject", "reports/q1.pdf"))
    assert evaluator_allows(folders_role, editors, Probe("s3:PutObject", "content/page.html"))
    with_finance = principal_tags(stack, claims_of(handler_module.handler, ["editors", "finance"]))
    assert evaluator_allows(folders_role, with_finance, Probe("s3:PutObject", "reports/q1.pdf"))
    assert not evaluator_allows(folders_role, with_finance, Probe("s3:DeleteObject", "reports/q1.pdf"))


def test_a_missing_or_empty_tag_reaches_nothing(folders_role):
    """An empty tag would make `BUCKET/${aws:PrincipalTag/read.1}*` the whole bucket; a folder
    without its "/" would also reach look-alikes: the non-empty-folder condition stops both."""
    for tags in ({}, {"read.1": ""}, {"readwrite.1": ""}, {"read.1": "analysts"}):
        for probe in (Probe("s3:GetObject", "analysts/x.txt"), Probe("s3:PutObject", "content/x")):
            assert not evaluator_allows(folders_role, tags, probe), (tags, probe)
        assert not evaluator_allows(folders_role, tags, Probe("s3:ListBucket", None)), tags
        assert not evaluator_allows(folders_role, tags, Probe("s3:ListBucket", "")), tags
    assert evaluator_allows(folders_role, {"read.1": "analysts/"}, Probe("s3:GetObject", "analysts/x.txt"))


def test_claims_are_tag_values_without_wildcards(environment, handler_module):
    for groups in group_sets(environment):
        for value in claims_of(handler_module.handler, list(groups)).values():
            assert TAG_VALUE.fullmatch(value) and value.endswith("/") and not set(value) & set("*?$")


def test_the_folders_role_policy_lints_clean(folders_role):
    """parliament reads `${aws:PrincipalTag/k}*` as no object ARN at all (RESOURCE_MISMATCH):
    lint the policy as IAM evaluates it, each tag holding a folder."""
    text = re.sub(r"\$\{aws:PrincipalTag/[^}]+\}", "some/folder/", json.dumps(folders_role.policy))
    assert lint(json.loads(text)) == []


def test_every_group_carries_the_folders_role(stack, environment):
    groups = stack["resource"]["aws_cognito_user_group"]
    assert set(groups) == {naming.terraform_id(g.name) for g in environment.groups}
    assert {g["role_arn"] for g in groups.values()} == {"${aws_iam_role.folders_role.arn}"}
    assert set(stack["resource"]["aws_iam_role"]) == {"folders_role", "no_group_role", "folder_claims_role"}


# --- the handler on its own


GRANTS = {
    "slots": {"read": ["read.1", "read.2"], "write": ["write.1"]},
    "groups": {
        "a": {"read": ["a/"]},
        "b": {"read": ["b/", "a/"]},
        "c": {"read": ["c/"]},
        "w": {"write": ["in/"]},
    },
}


@pytest.fixture
def handler() -> ModuleType:
    """The template itself (it reads grants.json only when first invoked)."""
    spec = importlib.util.spec_from_file_location("pre_token_generation_template", HANDLER_SOURCE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_union_of_groups_each_folder_once(handler):
    assert handler.folder_claims(["a", "b", "w"], GRANTS, "u") == {
        "read.1": "a/",
        "read.2": "b/",
        "write.1": "in/",
    }


def test_unknown_group_grants_nothing(handler):
    assert handler.folder_claims(["nobody"], GRANTS, "u") == {}
    assert handler.folder_claims(["nobody", "w"], GRANTS, "u") == {"write.1": "in/"}


def test_too_many_folders_fail_closed_and_say_why(handler, caplog):
    with caplog.at_level(logging.WARNING):
        assert handler.folder_claims(["a", "b", "c", "w"], GRANTS, "u") == {}
    assert caplog.messages == [
        "user u in ['a', 'b', 'c', 'w']: read folders ['a/', 'b/', 'c/'] exceed its 2 tag slots; no folder claims"
    ]


def test_a_folder_that_is_not_a_tag_value_fails_closed(handler, caplog):
    grants = {"slots": {"read": ["read.1"]}, "groups": {"x": {"read": ["a*/"]}, "e": {"read": [""]}}}
    assert handler.folder_claims(["x"], grants, "u") == {}
    assert handler.folder_claims(["e"], grants, "u") == {}
    assert "are not tag values" in caplog.text


def test_handler_fills_the_v1_response(handler, monkeypatch):
    monkeypatch.setattr(handler, "grants", lambda: GRANTS)
    event = handler.handler(v1_event(["a"]), None)
    assert event["response"] == {"claimsOverrideDetails": {"claimsToAddOrOverride": {"read.1": "a/"}}}
    no_groups = v1_event([])
    del no_groups["request"]["groupConfiguration"]["groupsToOverride"]
    assert handler.handler(no_groups, None)["response"]["claimsOverrideDetails"] == {
        "claimsToAddOrOverride": {}
    }


def test_handler_needs_only_the_standard_library():
    tree = ast.parse(HANDLER_SOURCE.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}, imported


def test_levels_that_differ_only_in_case_are_refused_in_tags_mode(tmp_path: Path):
    """IAM compares tag keys without case: `Read.1` would also match `read.1`."""
    levels = tmp_path / "levels"
    shutil.copytree(PROJECT / "templates" / "policies", levels)
    shutil.copy(levels / "readwrite.json.j2", levels / "Read.json.j2")
    (tmp_path / "envs").mkdir()
    text = (
        "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\nbucket: {name: demo-bucket}\n"
        "identity_pool: {role_mapping: tags}\n"
        "groups: [{name: a, access: read, precedence: 1}, {name: b, access: Read, precedence: 2}]\n"
    )
    (tmp_path / "envs" / "u.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path / "envs", templates=levels)
    assert [problem.reason for problem in caught.value.problems] == [
        "access levels 'Read' and 'read' differ only in case; with role_mapping tags each names principal "
        "tags, which IAM compares without case: rename one template"
    ]
    (tmp_path / "envs" / "u.yaml").write_text(text.replace("{role_mapping: tags}", "{role_mapping: token}"))
    assert [e.name for e in load_valid_environments(tmp_path / "envs", templates=levels)] == ["u"]
