"""role_mapping tags: a member of several groups reaches exactly the union of their folders.

The proof runs what AWS would run, from the synthesized stack of environments/union.yaml: the
handler unzipped from the stack's own Lambda asset turns an AWS-documented V1_0 pre-token
event into ID-token claims; the stack's own principal tag mapping turns claims into tags;
principalmapper and iam-simulate (not ours; tests/two_evaluators.py) evaluate the synthesized
folders-role policy and bucket policy with those tags. Expected: the union of the single-group
access model (tests/test_semantics.py holds that model to the evaluators for one-group roles).

Principal tags are modelled as IAM forms them: the role's tags (the provider's default tags of
the synthesized stack, and any added by hand), overridden by the session's tags of the same
key, keys compared without case.
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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modules import limits, naming
from modules.access_model import PRIVATE_FOLDER, EnvironmentAccess, FolderGrant, environment_access
from modules.config.model import Environment
from modules.errors import ConfigError
from modules.policies.principal_tags import (
    NON_EMPTY_FOLDER,
    UNUSED_SLOT,
    all_tag_keys,
    lambda_data,
)
from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, PROJECT, load_stack
from tests.iam_evaluator import lint, role_arn
from tests.lambda_handler import HANDLER_SOURCE, template_handler, v1_event
from tests.session_tags import is_session_tag_value
from tests.stack_documents import bucket_policy, role_policy
from tests.test_semantics import IDENTITY, Probe, folder_paths, probes
from tests.two_evaluators import Request, decide_all, evaluate

ENVIRONMENT = "union"
# Tags someone put on the folders role by hand, outside Terraform: every level's last slot,
# in any case, naming another group's folder and every user's private folders.
HAND_TAGGED = {
    "read.4": "finance/",
    "READWRITE.4": "private/",
    "Readwrite-Nodelete.4": "analysts/",
    "write.4": "content/",
    "list.4": "finance/",
}


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


def claims_of(handler: Callable[..., dict[str, Any]], groups: list[str]) -> dict[str, str]:
    response = handler(v1_event(groups), None)["response"]["claimsOverrideDetails"]
    return response["claimsToAddOrOverride"]


def principal_tags(stack: dict[str, Any], claims: dict[str, str]) -> dict[str, str]:
    """What the identity pool passes to STS: the stack's tag → claim mapping, applied."""
    (mapping,) = stack["resource"]["aws_cognito_identity_pool_provider_principal_tag"].values()
    assert mapping["use_defaults"] is False
    return {tag: claims[claim] for tag, claim in mapping["principal_tags"].items() if claim in claims}


def role_tags(stack: dict[str, Any], role: str) -> dict[str, str]:
    """The tags the role carries once applied: the provider's default tags, then its own."""
    (provider,) = stack["provider"]["aws"]
    defaults = {
        key: value for block in provider.get("default_tags", []) for key, value in block["tags"].items()
    }
    return {**defaults, **stack["resource"]["aws_iam_role"][role].get("tags", {})}


def principal_tags_as_iam(role: dict[str, str], session: dict[str, str]) -> dict[str, str]:
    """aws:PrincipalTag/K: the session's tag K, or else the role's; keys compared without case."""
    merged = {key.lower(): (key, value) for key, value in role.items()}
    merged.update({key.lower(): (key, value) for key, value in session.items()})
    return dict(merged.values())


@dataclass(frozen=True)
class FoldersRole:
    """The folders role as IAM sees it: its policy, ARN and tags, and the bucket with its policy."""

    policy: dict[str, Any]
    arn: str
    tags: dict[str, str]
    bucket_policy: dict[str, Any]
    bucket: str
    slots: tuple[str, ...]  # the tag keys the policy names


@pytest.fixture(scope="module")
def folders_role(stack, environment) -> FoldersRole:
    name = stack["resource"]["aws_iam_role"]["folders_role"]["name"]
    return FoldersRole(
        role_policy(stack, "folders_role"),
        role_arn(name),
        role_tags(stack, "folders_role"),
        bucket_policy(stack),
        environment.bucket.bucket_name,
        all_tag_keys(environment),
    )


def tags_request(role: FoldersRole, session: dict[str, str], probe: Probe) -> Request:
    """The probe as IAM receives it from a session of the folders role with session tags
    `session`; the role's tags fill in the keys the session lacks."""
    # The policy spells each key as its slot; IAM finds a tag of the same key in any case.
    spelling = {slot.lower(): slot for slot in role.slots}
    merged = principal_tags_as_iam(role.tags, session)
    tags = {spelling.get(key.lower(), key): value for key, value in merged.items()}
    context = {"cognito-identity.amazonaws.com:sub": IDENTITY, "aws:SecureTransport": "true"}
    bucket = f"arn:aws:s3:::{role.bucket}"
    resource = bucket if probe.is_listing else f"{bucket}/{probe.path}"
    if probe.is_listing and probe.path is not None:
        context["s3:prefix"] = probe.path
    return Request(role.arn, probe.action, resource, role.policy, role.bucket_policy, context, tags)


def evaluator_allows(role: FoldersRole, session: dict[str, str], probe: Probe) -> bool:
    (allowed,) = decide_all([tags_request(role, session, probe)])
    return allowed


def group_sets(environment: Environment) -> list[tuple[str, ...]]:
    names = [group.name for group in environment.groups_by_name]
    return [s for size in range(len(names) + 1) for s in combinations(names, size)]


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


def folders_in(tags: dict[str, str]) -> dict[str, str]:
    """The slots that hold a folder."""
    return {key: value for key, value in tags.items() if value != UNUSED_SLOT}


# --- the proof


@pytest.mark.parametrize("hand_tags", [{}, HAND_TAGGED], ids=["role-as-synthesized", "role-hand-tagged"])
def test_every_set_of_groups_reaches_exactly_the_union(
    stack, environment, handler_module, folders_role, hand_tags
):
    """Also when the role carries tags named like slots: the session's tags override them all."""
    role = replace(folders_role, tags={**folders_role.tags, **hand_tags})
    sets = group_sets(environment)
    assert len(sets) == 2**4
    found = []
    for groups in sets:
        tags = principal_tags(stack, claims_of(handler_module.handler, list(groups)))
        found += mismatches(role, environment, tags, groups)
    assert not found, "\n".join(found[:40])


def test_a_role_tag_fills_a_slot_that_the_session_leaves_out(stack, handler_module, folders_role):
    """Why every slot is claimed: a session without read.4 reads the role's read.4."""
    role = replace(folders_role, tags={**folders_role.tags, **HAND_TAGGED})
    tags = principal_tags(stack, claims_of(handler_module.handler, ["analysts"]))
    finance = Probe("s3:GetObject", "finance/reports/q1.pdf")
    assert not evaluator_allows(role, tags, finance)
    without_unused = folders_in(tags)
    assert evaluator_allows(role, without_unused, finance)
    assert not evaluator_allows(folders_role, without_unused, finance)


def test_a_member_whose_folders_overflow_gets_every_slot_unused(stack, handler_module, folders_role):
    """Failing closed leaves no slot to a role tag either: only the private folder remains."""
    role = replace(folders_role, tags={**folders_role.tags, **HAND_TAGGED})
    grants = handler_module.grants()
    big = {"read": [f"big{index}/" for index in range(5)]}
    claims = handler_module.folder_claims(["big"], {**grants, "groups": {"big": big}}, "u")
    assert claims == dict.fromkeys(role.slots, UNUSED_SLOT)
    tags = principal_tags(stack, claims)
    assert evaluator_allows(role, tags, Probe("s3:GetObject", f"private/{IDENTITY}/x"))
    for path in ("finance/reports/q1.pdf", "analysts/x", "content/x", "private/someone-else/x"):
        for action in ("s3:GetObject", "s3:PutObject"):
            assert not evaluator_allows(role, tags, Probe(action, path)), (action, path)


def test_the_role_carries_no_tag_named_like_a_slot(stack, environment, folders_role):
    """The stack's own tags on the role (default tags) stay clear of every slot, in any case."""
    assert set(folders_role.tags) == {"app", "environment", *environment.tags}
    assert not {key.lower() for key in folders_role.tags} & {slot.lower() for slot in folders_role.slots}


def test_principal_tags_are_the_sessions_over_the_roles_without_case():
    role = {"Read.1": "a/", "app": "x"}
    assert principal_tags_as_iam(role, {"read.1": "b/"}) == {"read.1": "b/", "app": "x"}
    assert principal_tags_as_iam(role, {}) == role


def test_the_union_is_not_vacuous(stack, handler_module, folders_role):
    """A member of finance and uploads writes in finance/reports/ and in inbox/ (two levels)."""
    tags = principal_tags(stack, claims_of(handler_module.handler, ["finance", "uploads"]))
    assert set(tags) == set(folders_role.slots)
    assert folders_in(tags) == {
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
    assert folders_in(tags) == {"read.1": "analysts/", "read.2": "reports/", "readwrite.1": "content/"}
    editors = principal_tags(stack, claims_of(handler_module.handler, ["editors"]))
    assert folders_in(editors) == {"read.1": "reports/", "readwrite.1": "content/"}
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


def test_claims_are_every_slot_each_a_folder_or_unused(environment, handler_module, folders_role):
    """The oracle for values is STS's documented rule (tests/session_tags.py), length included; the
    boundaries (256 and 257 characters, each character class) are tests/test_tag_limits.py's."""
    for groups in group_sets(environment):
        claims = claims_of(handler_module.handler, list(groups))
        assert list(claims) == list(folders_role.slots), groups
        assert len(claims) <= limits.TAG_MAPPINGS  # every claim a principal tag, as many as mapped
        for value in claims.values():
            assert isinstance(value, str) and value and is_session_tag_value(value)
            assert value == UNUSED_SLOT or (value.endswith("/") and not set(value) & set("*?$"))


def string_like(pattern: str, value: str) -> bool:
    """IAM's StringLike: `*` any run of characters, `?` exactly one, everything else itself."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def test_the_unused_value_never_satisfies_a_slot_and_is_a_session_tag_value():
    """Anything that matches `?*/` ends in "/"; the unused value does not, and STS takes it."""
    assert NON_EMPTY_FOLDER == "?*/"
    assert not string_like(NON_EMPTY_FOLDER, UNUSED_SLOT)
    assert not UNUSED_SLOT.endswith("/") and 0 < len(UNUSED_SLOT) <= 256
    assert re.fullmatch(r"[A-Za-z0-9 _.:/=+\-@]+", UNUSED_SLOT)
    assert string_like(NON_EMPTY_FOLDER, "a/") and not string_like(NON_EMPTY_FOLDER, "/")


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
    "unused": "none",
    "slots": {"read": ["read.1", "read.2"], "write": ["write.1"]},
    "groups": {
        "a": {"read": ["a/"]},
        "b": {"read": ["b/", "a/"]},
        "c": {"read": ["c/"]},
        "w": {"write": ["in/"]},
    },
}
UNUSED = {"read.1": "none", "read.2": "none", "write.1": "none"}


@pytest.fixture
def handler() -> ModuleType:
    return template_handler()


def test_union_of_groups_each_folder_once(handler):
    assert handler.folder_claims(["a", "b", "w"], GRANTS, "u") == {
        "read.1": "a/",
        "read.2": "b/",
        "write.1": "in/",
    }


def test_unknown_group_grants_nothing_and_every_slot_is_claimed(handler):
    assert handler.folder_claims(["nobody"], GRANTS, "u") == UNUSED
    assert handler.folder_claims([], GRANTS, "u") == UNUSED
    assert handler.folder_claims(["nobody", "w"], GRANTS, "u") == {**UNUSED, "write.1": "in/"}
    assert handler.folder_claims(["a"], GRANTS, "u") == {**UNUSED, "read.1": "a/"}


def test_too_many_folders_fail_closed_and_say_why(handler, caplog):
    with caplog.at_level(logging.WARNING):
        assert handler.folder_claims(["a", "b", "c", "w"], GRANTS, "u") == UNUSED
    assert caplog.messages == [
        "user u in ['a', 'b', 'c', 'w']: read folders ['a/', 'b/', 'c/'] exceed its 2 tag slots; no folder claims"
    ]


def test_a_folder_that_is_not_a_tag_value_fails_closed(handler, caplog):
    grants = {
        "unused": "none",
        "slots": {"read": ["read.1"]},
        "groups": {"x": {"read": ["a*/"]}, "e": {"read": [""]}},
    }
    assert handler.folder_claims(["x"], grants, "u") == {"read.1": "none"}
    assert handler.folder_claims(["e"], grants, "u") == {"read.1": "none"}
    assert "are not tag values" in caplog.text


def test_handler_fills_the_v1_response(handler, monkeypatch):
    monkeypatch.setattr(handler, "grants", lambda: GRANTS)
    event = handler.handler(v1_event(["a"]), None)
    assert event["response"] == {
        "claimsOverrideDetails": {"claimsToAddOrOverride": {**UNUSED, "read.1": "a/"}}
    }
    no_groups = v1_event([])
    del no_groups["request"]["groupConfiguration"]["groupsToOverride"]
    assert handler.handler(no_groups, None)["response"]["claimsOverrideDetails"] == {
        "claimsToAddOrOverride": UNUSED
    }


def test_the_lambda_reads_the_unused_value_of_the_policy(environment):
    assert lambda_data(environment)["unused"] == UNUSED_SLOT


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


UNION_TEXT = (
    "app: demo\nregion: eu-west-1\nuser_pool: {name: p}\nbucket: {name: demo-bucket}\n"
    "identity_pool: {role_mapping: tags, folders_per_level: 4}\n"
    "groups: [{name: finance, access: read, precedence: 1}, {name: editors, access: readwrite, precedence: 2}]\n"
)


def test_a_tag_named_like_a_slot_is_refused_in_tags_mode(tmp_path: Path):
    """The issue's attack: default tags on the folders role that fill every user's last slots."""
    (tmp_path / "u.yaml").write_text(UNION_TEXT + "tags: {read.4: finance/, Readwrite.4: private/}\n")
    with pytest.raises(ConfigError) as caught:
        load_valid_environments(tmp_path)
    assert [str(problem) for problem in caught.value.problems] == [
        f"{tmp_path / 'u.yaml'}:7:8: tags.read.4: tag 'read.4' names the principal tag slot 'read.4' "
        "(IAM compares tag keys without case); with role_mapping tags the default tags land on the folders "
        "role, where a slot's tag would grant its value as a folder: rename the tag",
        f"{tmp_path / 'u.yaml'}:7:26: tags.Readwrite.4: tag 'Readwrite.4' names the principal tag slot "
        "'readwrite.4' (IAM compares tag keys without case); with role_mapping tags the default tags land "
        "on the folders role, where a slot's tag would grant its value as a folder: rename the tag",
    ]


@pytest.mark.parametrize(
    "tags",
    ["{read.5: finance/}", "{read4: x, readwrite-nodelete.1: x, team: read.1}"],
    ids=["beyond-the-slots", "no-slot-of-a-level-in-use"],
)
def test_a_tag_that_names_no_slot_is_accepted_in_tags_mode(tmp_path: Path, tags: str):
    (tmp_path / "u.yaml").write_text(UNION_TEXT + f"tags: {tags}\n")
    assert [e.name for e in load_valid_environments(tmp_path)] == ["u"]


def test_a_tag_named_like_a_slot_is_accepted_in_token_mode(tmp_path: Path):
    text = UNION_TEXT.replace("{role_mapping: tags, folders_per_level: 4}", "{role_mapping: token}")
    (tmp_path / "u.yaml").write_text(text + "tags: {read.4: finance/}\n")
    assert [e.name for e in load_valid_environments(tmp_path)] == ["u"]


# --- groups the configuration does not list (identity_pool.unlisted_groups: {access: read})

# Names Cognito allows (any 1-128 letters, marks, symbols, numbers, punctuation) that the rule
# refuses: each reaches nothing beyond what the member's listed groups give.
HOSTILE = {
    "reports": "'reports/' overlaps the configured folder 'reports/'",  # a shared folder
    "private": "'private/' overlaps the configured folder 'private/'",
    "inbox": "'inbox/' overlaps the configured folder 'inbox/'",  # a listed group's prefix
    "content": "'content/' overlaps the configured folder 'content/'",
    "Finance": "its name differs only in case from a group of the configuration",
    "ANALYSTS": "its name differs only in case from a group of the configuration",
    "Reports": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    "..": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    ".": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    "a b": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    "team*": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    "x${aws:username}": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    "équipe": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    "team!": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    "finance/reports": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    "../finance": "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
    "T" * 128: "its name is not 1-255 of a-z, 0-9, '_', '.', '-' (nor '.' or '..')",
}
RESERVED_UNION = (
    "analysts/",
    "content/",
    "finance/invoices/",
    "finance/reports/",
    "inbox/",
    "private/",
    "reports/",
)
LISTED_UNION = ("analysts", "editors", "finance", "uploads")
UNLISTED_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_.-", min_size=1, max_size=128).filter(
    lambda name: (
        name not in (".", "..")
        and not any(
            f"{name}/".startswith(folder) or folder.startswith(f"{name}/") for folder in RESERVED_UNION
        )
        and name not in LISTED_UNION
    )
)
LISTED_SETS = [(), ("analysts",), ("finance", "uploads"), ("editors",)]


def unlisted_probes(environment: Environment, name: str) -> list[Probe]:
    """The configured folders' probes, and the unlisted folder's own and its look-alikes'."""
    extra = [Probe(a, p) for p in folder_paths(f"{name}/") for a in ("s3:GetObject", "s3:PutObject")]
    extra += [Probe("s3:ListBucket", p) for p in (f"{name}/", f"{name}/sub/", f"{name}x/", name)]
    return [*probes(environment, IDENTITY), *extra]


ACCESS: dict[str, EnvironmentAccess] = {}


def unlisted_mismatches(
    role: FoldersRole,
    environment: Environment,
    tags: dict[str, str],
    listed: tuple[str, ...],
    folder: str | None,
) -> list[str]:
    """Where the evaluator differs from the listed groups' union plus `folder` at the rule's level
    (its actions read from the level's rendered policy); `folder` None: the name was refused."""
    if environment.name not in ACCESS:  # rendered once: the tests below call this many times
        ACCESS[environment.name] = environment_access(environment)
    access = ACCESS[environment.name]
    assert access.unlisted is not None
    roles = access.roles
    private = replace(roles[0], grants=tuple(g for g in roles[0].grants if g.prefix == PRIVATE_FOLDER))
    models = [private, *(r for r in roles if r.group in listed)]
    if folder is not None:
        grant = FolderGrant(folder, access.unlisted.actions)
        models.append(replace(private, grants=(grant,)))
    found = []
    for probe in unlisted_probes(environment, (folder or "refused/").removesuffix("/")):
        expected = any(m.allows(probe.action, probe.path or "", IDENTITY) for m in models)
        if evaluator_allows(role, tags, probe) != expected:
            found.append(f"{listed} + {folder}: {probe.action} {probe.path!r}: expected {expected}")
    return found


def test_the_union_example_turns_unlisted_groups_on(environment):
    """The semantic tests below need the rule on, at read, with these reserved folders."""
    assert environment.identity_pool.unlisted_groups is not None
    assert environment.identity_pool.unlisted_groups.access == "read"
    assert lambda_data(environment)["unlisted"] == {
        "access": "read",
        "listed": list(LISTED_UNION),
        "reserved": list(RESERVED_UNION),
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=UNLISTED_NAMES, listed=st.sampled_from(LISTED_SETS))
def test_a_valid_unlisted_group_reaches_exactly_its_folder_plus_the_listed_union(
    stack, environment, handler_module, folders_role, *, name, listed
):
    tags = principal_tags(stack, claims_of(handler_module.handler, [*listed, name]))
    assert f"{name}/" in tags.values()
    assert not unlisted_mismatches(folders_role, environment, tags, listed, f"{name}/")


def test_a_128_character_unlisted_group_reaches_its_folder(stack, environment, handler_module, folders_role):
    name = "t" * 127 + "9"
    tags = principal_tags(stack, claims_of(handler_module.handler, [name]))
    assert folders_in(tags) == {"read.1": f"{name}/"} and is_session_tag_value(f"{name}/")
    assert not unlisted_mismatches(folders_role, environment, tags, (), f"{name}/")


@pytest.mark.parametrize("name", sorted(HOSTILE), ids=lambda name: repr(name[:20]))
@pytest.mark.parametrize("listed", [(), ("finance", "uploads")], ids=lambda s: ",".join(s) or "alone")
def test_a_refused_unlisted_group_reaches_nothing_beyond_the_listed_union_and_is_logged(
    stack, environment, handler_module, folders_role, caplog, *, name, listed
):
    with caplog.at_level(logging.WARNING):
        tags = principal_tags(stack, claims_of(handler_module.handler, [*listed, name]))
    assert caplog.messages == [f"user member: unlisted group {name!r} gets no folder: {HOSTILE[name]}"]
    listed_only = principal_tags(stack, claims_of(handler_module.handler, list(listed)))
    assert tags == listed_only
    assert not unlisted_mismatches(folders_role, environment, tags, listed, None)


def test_unlisted_groups_overflowing_a_level_fail_closed(stack, handler_module, folders_role, caplog):
    """analysts read two folders; with three unlisted groups that is five read folders for four slots."""
    with caplog.at_level(logging.WARNING):
        claims = claims_of(handler_module.handler, ["analysts", "aa", "bb", "cc"])
    assert claims == dict.fromkeys(folders_role.slots, UNUSED_SLOT)
    assert "read folders ['aa/', 'analysts/', 'bb/', 'cc/', 'reports/'] exceed its 4 tag slots" in caplog.text
    fits = claims_of(handler_module.handler, ["analysts", "aa", "bb"])
    assert folders_in(fits) == {"read.1": "aa/", "read.2": "analysts/", "read.3": "bb/", "read.4": "reports/"}


def test_the_folder_guard_closes_unlisted_folders_to_other_principals(stack, folders_role):
    """The bucket policy cannot name folders made after synth: it closes every key to all but
    this environment's roles and the exempt principals."""
    other = role_arn("someone-else")
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    resource = f"arn:aws:s3:::{folders_role.bucket}/newteam/x"
    context = {"aws:SecureTransport": "true"}
    assert not evaluate(
        allow_all, "s3:GetObject", resource, context, folders_role.bucket_policy, principal_arn=other
    )
    deployer = "arn:aws:iam::123456789012:role/groupfolders-deployer"
    assert evaluate(
        allow_all, "s3:GetObject", resource, context, folders_role.bucket_policy, principal_arn=deployer
    )
    tags = principal_tags(stack, {**dict.fromkeys(folders_role.slots, UNUSED_SLOT), "read.1": "newteam/"})
    assert evaluator_allows(folders_role, tags, Probe("s3:GetObject", "newteam/x"))
