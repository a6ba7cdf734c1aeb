"""Layer 2: rendered documents per access level, template checks, escaping, sizes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from modules.policies import actions
from modules.policies.documents import (
    RoleScope,
    group_policy,
    minified_size,
    no_group_policy,
    terraform_statements,
    trust_policy,
)
from modules.policies.templates import PolicyTemplateError, access_levels, render_statements

BUCKET = "arn:aws:s3:::demo-bucket"
SUB = "${cognito-identity.amazonaws.com:sub}"
LIST = ["s3:ListBucket", "s3:ListBucketVersions"]
READWRITE = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:GetObjectVersion",
]
PRIVATE = [
    {
        "Sid": "PrivateListFolders",
        "Effect": "Allow",
        "Action": LIST,
        "Resource": [BUCKET],
        "Condition": {"StringLike": {"s3:prefix": [f"private/{SUB}/", f"private/{SUB}/*"]}},
    },
    {
        "Sid": "PrivateReadWriteObjects",
        "Effect": "Allow",
        "Action": READWRITE,
        "Resource": [f"{BUCKET}/private/{SUB}/*"],
    },
]
GROUP_LIST = {
    "Sid": "GroupListFolders",
    "Effect": "Allow",
    "Action": LIST,
    "Resource": [BUCKET],
    "Condition": {"StringLike": {"s3:prefix": ["fin/", "fin/*", "tax/", "tax/*"]}},
}
OBJECTS = [f"{BUCKET}/fin/*", f"{BUCKET}/tax/*"]
EXPECTED = {
    "list": [GROUP_LIST],
    "read": [
        GROUP_LIST,
        {
            "Sid": "GroupReadObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:GetObjectVersion"],
            "Resource": OBJECTS,
        },
    ],
    "write": [
        {
            "Sid": "GroupWriteObjects",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": OBJECTS,
        },
    ],
    "readwrite": [
        GROUP_LIST,
        {
            "Sid": "GroupReadWriteObjects",
            "Effect": "Allow",
            "Action": READWRITE,
            "Resource": OBJECTS,
        },
    ],
    "readwrite-nodelete": [
        GROUP_LIST,
        {
            "Sid": "GroupReadWriteObjects",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObjectVersion"],
            "Resource": OBJECTS,
        },
    ],
}


SCOPE = RoleScope(bucket_arn=BUCKET, versioned=True, region="eu-west-1", key_arn=None, private_folders=True)
FOLDERS = ("fin/", "tax/")
KEY = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def test_every_level_has_an_expected_document():
    assert sorted(EXPECTED) == list(access_levels())


@pytest.mark.parametrize("level", sorted(EXPECTED))
def test_group_policy_per_level(level):
    assert group_policy(level, FOLDERS, SCOPE) == {
        "Version": "2012-10-17",
        "Statement": EXPECTED[level] + PRIVATE,
    }


def test_unversioned_bucket_gets_no_version_actions():
    unversioned = dataclasses.replace(SCOPE, versioned=False)
    actions = {a for s in group_policy("read", FOLDERS, unversioned)["Statement"] for a in s["Action"]}
    assert actions == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
    }


def test_private_folders_off_leaves_only_the_group():
    alone = dataclasses.replace(SCOPE, private_folders=False)
    assert [s["Sid"] for s in group_policy("read", FOLDERS, alone)["Statement"]] == [
        "GroupListFolders",
        "GroupReadObjects",
    ]


def test_no_group_policy_is_the_private_folder():
    assert no_group_policy(SCOPE) == {"Version": "2012-10-17", "Statement": PRIVATE}


@pytest.mark.parametrize(
    ("level", "kms"),
    [
        ("list", None),
        ("read", ["kms:Decrypt"]),
        ("write", ["kms:Decrypt", "kms:GenerateDataKey"]),
        ("readwrite", ["kms:Decrypt", "kms:GenerateDataKey"]),
    ],
)
def test_the_key_is_granted_as_the_action_table_says(level, kms):
    alone = dataclasses.replace(SCOPE, key_arn=KEY, private_folders=False)
    statements = group_policy(level, FOLDERS, alone)["Statement"]
    use_key = [s for s in statements if s["Sid"] == "UseBucketKeyThroughS3"]
    if kms is None:
        assert use_key == []
        return
    assert use_key == [
        {
            "Sid": "UseBucketKeyThroughS3",
            "Effect": "Allow",
            "Action": kms,
            "Resource": [KEY],
            "Condition": {"StringEquals": {"kms:ViaService": ["s3.eu-west-1.amazonaws.com"]}},
        }
    ]


def test_object_actions_never_use_s3_prefix():
    for level in EXPECTED:
        for statement in group_policy(level, FOLDERS, SCOPE)["Statement"]:
            if "Condition" in statement:
                assert set(statement["Action"]) <= set(LIST)


# --- the action table: the one vocabulary of the checker, the KMS grant and the report


def test_the_allowed_actions_are_exactly_these():
    """Pinned: adding an action to the table is a reviewed change of this list too."""
    assert sorted(a.name for a in actions.TABLE) == [
        "s3:AbortMultipartUpload",
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:GetObjectTagging",
        "s3:GetObjectVersion",
        "s3:ListBucket",
        "s3:ListBucketVersions",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
        "s3:PutObjectTagging",
    ]
    assert {"s3:ListBucket", "s3:ListBucketVersions"} == actions.LIST_ACTIONS
    assert set(actions.BY_NAME) == actions.LIST_ACTIONS | actions.OBJECT_ACTIONS


def test_every_action_every_template_uses_has_a_capability():
    used = {
        a
        for level in access_levels()
        for s in group_policy(level, FOLDERS, SCOPE)["Statement"]
        for a in s["Action"]
    }
    assert used <= set(actions.BY_NAME)
    assert all(actions.BY_NAME[a].capability in actions.CAPABILITY_NAMES for a in used)


def test_a_tagging_only_level_shows_as_read_and_write_not_as_nothing():
    assert actions.capabilities({"s3:GetObjectTagging", "s3:PutObjectTagging"}) == ("read", "write")


@pytest.mark.parametrize(
    "action",
    [
        "s3:DeleteObjectVersion",  # destroys history that versioning keeps
        "s3:PutObjectAcl",  # could make an object public
        "s3:PutBucketPolicy",  # escalates to the whole bucket
        "s3:PutLifecycleConfiguration",
        "s3:*",
    ],
)
def test_destructive_or_escalating_actions_are_refused(tmp_path: Path, action: str):
    (tmp_path / "t.json.j2").write_text(GOOD.replace('"s3:GetObject"', f'"{action}"'))
    with pytest.raises(PolicyTemplateError) as caught:
        render_statements("t", bucket_arn=BUCKET, folders=["a/"], versioned=True, directory=tmp_path)
    assert str(caught.value) == (
        f"template t.json.j2: statement 0: action '{action}' is not in the S3 action table "
        "(modules/policies/actions.py)"
    )


def test_trust_policy_is_exactly_the_design():
    assert trust_policy("POOL") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CognitoAuthenticatedIdentities",
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": ["sts:AssumeRoleWithWebIdentity"],
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": ["POOL"]},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": ["authenticated"]},
                },
            }
        ],
    }


def test_terraform_statements_write_iam_variables_with_ampersand():
    blocks = terraform_statements({"Version": "2012-10-17", "Statement": PRIVATE})
    assert blocks[0]["condition"] == [
        {
            "test": "StringLike",
            "variable": "s3:prefix",
            "values": [
                "private/&{cognito-identity.amazonaws.com:sub}/",
                "private/&{cognito-identity.amazonaws.com:sub}/*",
            ],
        }
    ]
    assert blocks[1]["resources"] == [f"{BUCKET}/private/&{{cognito-identity.amazonaws.com:sub}}/*"]


def test_terraform_statements_keep_terraform_references():
    (block,) = terraform_statements(trust_policy("${aws_cognito_identity_pool.identities.id}"))
    assert block["condition"][0]["values"] == ["${aws_cognito_identity_pool.identities.id}"]
    assert block["principals"] == [{"type": "Federated", "identifiers": ["cognito-identity.amazonaws.com"]}]


def test_minified_size_ignores_whitespace():
    assert minified_size({"a": [1, 2]}) == len('{"a":[1,2]}')


# --- templates a team might get wrong: each refused with the template and the reason named.

GOOD = '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": {{ object_arns | json }}}]'
TWO = (
    '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": {{ object_arns | json }}},'
    ' {"Sid": "SID", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": {{ object_arns | json }}}]'
)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (GOOD, None),
        (TWO.replace("SID", "W"), None),
        (
            TWO.replace("SID", "R"),
            "template t.json.j2: statement 1: Sid 'R' repeats statement 0; give each its own",
        ),
        (
            GOOD.replace('"R"', '"R\\n"'),
            "template t.json.j2: statement 0: Sid must be letters and digits",
        ),
        (
            "{{ cycler.__init__.__globals__ }}",
            "template t.json.j2 does not render: access to attribute '__init__' of 'type' object is unsafe.",
        ),
        (
            '{{ "".__class__.__mro__ }}',
            "template t.json.j2 does not render: access to attribute '__class__' of 'str' object is unsafe.",
        ),
        (
            '{% set _ = object_arns.append("arn:aws:s3:::b/*") %}' + GOOD,
            "template t.json.j2 does not render: access to attribute 'append' of 'list' object is unsafe.",
        ),
        (
            "[{ oops",
            "template t.json.j2 renders invalid JSON: Expecting property name enclosed in double quotes at line 1, column 4",
        ),
        ("{{ nothing }}", "template t.json.j2 does not render: 'nothing' is undefined"),
        ("[]", "template t.json.j2: must render a non-empty JSON list of statements"),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:*"], "Resource": {{ object_arns | json }}}]',
            "template t.json.j2: statement 0: action 's3:*' is not in the S3 action table (modules/policies/actions.py)",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["iam:PassRole"], "Resource": ["*"]}]',
            "template t.json.j2: statement 0: action 'iam:PassRole' is not in the S3 action table (modules/policies/actions.py)",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::other/fin/*"]}]',
            "template t.json.j2: statement 0: object resource 'arn:aws:s3:::other/fin/*' is not one of the group's folders (arn:aws:s3:::b/fin/*)",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}]',
            "template t.json.j2: statement 0: object resource 'arn:aws:s3:::b/*' is not one of the group's folders (arn:aws:s3:::b/fin/*)",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/f*n/*"]}]',
            "template t.json.j2: statement 0: object resource 'arn:aws:s3:::b/f*n/*' is not one of the group's folders (arn:aws:s3:::b/fin/*)",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": {{ object_arns | json }},'
            ' "Condition": {"StringLike": {"s3:prefix": ["fin/*"]}}}]',
            "template t.json.j2: statement 0: s3:prefix conditions only list actions; object actions are scoped by Resource",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"],'
            ' "Condition": {"StringLike": {"s3:prefix": ["*"]}}}]',
            "template t.json.j2: statement 0: s3:prefix value '*' is not one of the group's folders",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"],'
            ' "Condition": {"StringLike": {"s3:prefix": ["fi?/"]}}}]',
            "template t.json.j2: statement 0: s3:prefix value 'fi?/' is not one of the group's folders",
        ),
        (
            '[{"Sid": "R", "Effect": "Deny", "Action": ["s3:GetObject"], "Resource": {{ object_arns | json }}}]',
            "template t.json.j2: statement 0: Effect must be Allow (access is denied unless a template allows it)",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/finance/*"]}]',
            "template t.json.j2: statement 0: object resource 'arn:aws:s3:::b/finance/*' is not one of the group's folders (arn:aws:s3:::b/fin/*)",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"]}]',
            "template t.json.j2: statement 0: list actions need exactly one StringLike (or StringEquals) s3:prefix condition",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"],'
            ' "Condition": {"StringNotLike": {"s3:prefix": ["fin/*"]}}}]',
            "template t.json.j2: statement 0: list actions need exactly one StringLike (or StringEquals) s3:prefix condition",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": {{ object_arns | json }},'
            ' "Condition": {"StringLike": {"S3:Prefix": ["fin/*"]}}}]',
            "template t.json.j2: statement 0: s3:prefix conditions only list actions; object actions are scoped by Resource",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": {{ object_arns | json }},'
            ' "Condition": {"Null": "oops"}}]',
            "template t.json.j2: statement 0: Condition must map operators to {key: [values]}",
        ),
        (
            '[{"Sid": "R", "Effect": "Allow", "NotAction": ["s3:GetObject"], "Resource": ["*"]}]',
            "template t.json.j2: statement 0: unknown keys ['NotAction']",
        ),
    ],
    ids=lambda value: (value or "ok")[:40] if isinstance(value, str) else "ok",
)
def test_template_checks(tmp_path: Path, body: str, reason: str | None):
    (tmp_path / "t.json.j2").write_text(body)

    def render() -> list:
        return render_statements(
            "t", bucket_arn="arn:aws:s3:::b", folders=["fin/"], versioned=True, directory=tmp_path
        )

    if reason is None:
        assert render()[0]["Resource"] == ["arn:aws:s3:::b/fin/*"]
        return
    with pytest.raises(PolicyTemplateError) as caught:
        render()
    assert str(caught.value) == reason


def test_values_are_json_escaped(tmp_path: Path):
    (tmp_path / "t.json.j2").write_text(GOOD)
    statements = render_statements(
        "t", bucket_arn="arn:aws:s3:::b", folders=['a"b/'], versioned=False, directory=tmp_path
    )
    assert statements[0]["Resource"] == ['arn:aws:s3:::b/a"b/*']


def test_unknown_level_names_the_known_ones():
    with pytest.raises(PolicyTemplateError) as caught:
        render_statements("admin", bucket_arn=BUCKET, folders=["a/"], versioned=True)
    assert (
        str(caught.value)
        == "unknown access level 'admin'; known levels: list, read, readwrite, readwrite-nodelete, write"
    )


def test_partials_are_not_levels():
    assert "_list_folders" not in access_levels()


def test_trust_policy_fits_the_role_trust_quota_with_the_longest_pool_id():
    from modules import limits  # noqa: PLC0415

    assert minified_size(trust_policy(limits.LONGEST_IDENTITY_POOL_ID)) < limits.TRUST_POLICY
