"""AWS limits checked at validation time, each with the words an error quotes."""

INLINE_POLICIES = 10_240
INLINE_POLICIES_TEXT = "IAM allows 10,240 characters of inline policy per role (IAM quota, not adjustable)"

TRUST_POLICY = 2_048  # role trust policy (default quota); ours is fixed, tests/test_policies.py checks it
# The longest identity pool id the trust policy can hold: <region>:<uuid>.
LONGEST_IDENTITY_POOL_ID = "ap-southeast-5:" + "f" * 8 + "-ffff-ffff-ffff-" + "f" * 12

RULES_PER_PROVIDER = 25
RULES_TEXT = "Amazon Cognito allows 25 role-mapping rules per identity provider (not adjustable)"

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entities
ROLES_PER_ACCOUNT = 1_000  # default quota
MAX_ROLES_PER_ACCOUNT = 5_000  # the most Service Quotas grants


def roles_text(quota: int) -> str:
    """What a role count over `quota` is told: the quota, its source, and how to raise it."""
    where = "default quota" if quota == ROLES_PER_ACCOUNT else "limits.iam_roles_per_account"
    text = f"IAM allows {quota:,} roles per account ({where}), and other stacks in the same account count too"
    if quota < MAX_ROLES_PER_ACCOUNT:
        text += (
            "; to go further, raise IAM's 'Roles per account' in Service Quotas "
            f"(up to {MAX_ROLES_PER_ACCOUNT:,}) and set limits.iam_roles_per_account"
        )
    return text


# Role ids in the folder guard are Terraform references until apply; IAM's are 21 characters.
ROLE_ID_PREFIX, ROLE_ID_LENGTH = "AROA", 21
BUCKET_POLICY = 20 * 1024
BUCKET_POLICY_TEXT = "S3 allows 20 KB (20,480 bytes) of bucket policy"
# What one more group role adds to the folder guard: its id, `"<id>:*",`, in two statements.
GUARD_BYTES_PER_ROLE = 2 * len(f'"{"R" * ROLE_ID_LENGTH}:*",')
# The measured ceiling that bucket.folder_guard's description states (tests/test_limits.py).
FOLDER_GUARD_GROUPS = 345
ROLE_TAGS = 50
ROLE_TAGS_TEXT = "IAM allows 50 tags per role, the provider's default tags included"
ROLE_TAG_VALUE_TEXT = "an IAM tag value is at most 256 letters, digits, spaces and _.:/=+-@"
# Role ARNs are Terraform references until apply; sized with this account id.
ACCOUNT_ID = "123456789012"
# The created key's ARN is a reference until apply; sized with the longest region name.
KMS_KEY_ARN = f"arn:aws:kms:ap-southeast-5:{ACCOUNT_ID}:key/" + "f" * 8 + "-ffff-ffff-ffff-" + "f" * 12

TAG_MAPPINGS = 50
TAG_MAPPINGS_TEXT = (
    "an identity pool maps at most 50 claims to principal tags per identity provider "
    "(SetPrincipalTagAttributeMap), and STS accepts at most 50 session tags"
)
TAG_VALUE = 256
TAG_VALUE_TEXT = "a session tag value is at most 256 letters, digits, spaces and _.:/=+-@ (STS Tag)"

# Reached only in tags mode: a role per group runs into the role quota long before.
GROUPS_PER_USER_POOL = 10_000
GROUPS_PER_USER_POOL_TEXT = "Amazon Cognito allows 10,000 groups per user pool (Cognito resource quota)"
