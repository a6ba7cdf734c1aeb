"""AWS limits checked at validation time, each with the words an error quotes."""

INLINE_POLICIES = 10_240
INLINE_POLICIES_TEXT = "IAM allows 10,240 characters of inline policy per role (IAM quota, not adjustable)"

TRUST_POLICY = 2_048  # role trust policy (default quota); ours is fixed, tests/test_policies.py checks it
# The longest identity pool id the trust policy can hold: <region>:<uuid>.
LONGEST_IDENTITY_POOL_ID = "ap-southeast-5:" + "f" * 8 + "-ffff-ffff-ffff-" + "f" * 12

RULES_PER_PROVIDER = 25
RULES_TEXT = "Amazon Cognito allows 25 role-mapping rules per identity provider (not adjustable)"

ROLES_PER_ACCOUNT = 1_000
ROLES_TEXT = (
    "IAM allows 1,000 roles per account (default quota), and other stacks in the same account count too"
)

BUCKET_POLICY = 20 * 1024
BUCKET_POLICY_TEXT = "S3 allows 20 KB (20,480 bytes) of bucket policy"
# Role ARNs in the folder guard are Terraform references until apply; sized with this account id.
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
