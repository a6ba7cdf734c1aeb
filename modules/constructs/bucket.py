"""The files bucket (new and hardened, or an existing one by name) and its log bucket."""

from __future__ import annotations

from collections.abc import Mapping

from constructs import Construct

from modules import naming
from modules.aws import (
    DataAwsCallerIdentity,
    KmsAlias,
    KmsKey,
    S3Bucket,
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLogging,
    S3BucketOwnershipControls,
    S3BucketPolicy,
    S3BucketPublicAccessBlock,
    S3BucketServerSideEncryptionConfiguration,
    S3BucketServerSideEncryptionConfigurationRule,
    S3BucketVersioning,
)
from modules.config.model import Environment
from modules.constructs.addresses import pinned
from modules.constructs.policy_document import policy_document
from modules.policies.documents import (
    ACCESS_LOG_PREFIX,
    files_bucket_policy,
    key_policy,
    log_bucket_policy,
)

NAME = "files"
LOGS = "files_logs"
LOG_RETENTION_DAYS = 365
LOG_NONCURRENT_DAYS = 30
INCOMPLETE_UPLOAD_DAYS = 7


class FilesBucket(Construct):
    """Only for a new bucket: an existing one is used by name and left untouched.

    Exposes `key_arn`, the customer managed key (None with SSE-S3).
    """

    def __init__(self, scope: Construct, environment: Environment) -> None:
        super().__init__(scope, "files_bucket")
        config = environment.bucket
        self._environment = environment
        self._account = pinned(DataAwsCallerIdentity(self, "account"), "current")
        self.key_arn = self._key(environment).arn if config.encryption == "kms" else None
        lifecycle = _lifecycle("expire-noncurrent-versions", config.noncurrent_version_days)
        self.bucket = _hardened_bucket(self, NAME, config.bucket_name, self.key_arn, lifecycle)
        if config.access_logs:
            self._access_logs(config.log_bucket_name)

    def attach_policy(self, role_arns: Mapping[str, str], no_group_role_arn: str) -> None:
        """The bucket policy names the group roles, so it comes after them."""
        document = files_bucket_policy(self._environment, role_arns, no_group_role_arn)
        policy = policy_document(self, f"{NAME}_policy_document", document)
        pinned(S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=policy.json), f"{NAME}_policy")

    def _key(self, environment: Environment) -> KmsKey:
        document = policy_document(self, f"{NAME}_key_policy", key_policy(self._account.account_id))
        key = pinned(
            KmsKey(
                self,
                "key",
                description=f"Objects of {environment.bucket.bucket_name}",
                enable_key_rotation=True,
                deletion_window_in_days=30,
                policy=document.json,
            ),
            f"{NAME}_key",
        )
        alias = f"alias/{naming.identity_pool_name(environment)}-files"
        pinned(KmsAlias(self, "key_alias", name=alias, target_key_id=key.key_id), f"{NAME}_key_alias")
        return key

    def _access_logs(self, log_bucket_name: str) -> None:
        # Server access logs can only be delivered to an SSE-S3 bucket.
        retention = _lifecycle(
            "expire-access-logs", LOG_NONCURRENT_DAYS, expire_after_days=LOG_RETENTION_DAYS
        )
        logs = _hardened_bucket(self, LOGS, log_bucket_name, None, retention)
        document = log_bucket_policy(
            f"arn:aws:s3:::{log_bucket_name}", self.bucket.arn, self._account.account_id
        )
        policy = policy_document(self, f"{LOGS}_policy_document", document)
        pinned(S3BucketPolicy(self, "logs_policy", bucket=logs.id, policy=policy.json), f"{LOGS}_policy")
        pinned(
            S3BucketLogging(
                self, "logging", bucket=self.bucket.id, target_bucket=logs.id, target_prefix=ACCESS_LOG_PREFIX
            ),
            f"{NAME}_logging",
        )


def _lifecycle(
    rule_id: str, noncurrent_days: int, expire_after_days: int | None = None
) -> S3BucketLifecycleConfigurationRule:
    # jsii turns dicts into structs only where one struct is expected, not in lists.
    return S3BucketLifecycleConfigurationRule(
        id=rule_id,
        status="Enabled",
        filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
        noncurrent_version_expiration=[
            S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=noncurrent_days)
        ],
        abort_incomplete_multipart_upload=[
            S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                days_after_initiation=INCOMPLETE_UPLOAD_DAYS
            )
        ],
        expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=expire_after_days)]
        if expire_after_days
        else None,
    )


def _hardened_bucket(
    scope: Construct,
    name: str,
    bucket_name: str,
    key_arn: str | None,
    lifecycle: S3BucketLifecycleConfigurationRule,
) -> S3Bucket:
    """A private, owner-enforced, encrypted, versioned bucket with a lifecycle."""
    bucket = pinned(S3Bucket(scope, f"{name}_bucket", bucket=bucket_name), name)
    # A replacement must be deliberate: destroying the bucket destroys every folder.
    bucket.add_override("lifecycle.prevent_destroy", True)
    pinned(
        S3BucketPublicAccessBlock(
            scope,
            f"{name}_public_access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        ),
        f"{name}_public_access_block",
    )
    pinned(
        S3BucketOwnershipControls(
            scope, f"{name}_ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}
        ),
        f"{name}_ownership",
    )
    default = (
        {"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn} if key_arn else {"sse_algorithm": "AES256"}
    )
    pinned(
        S3BucketServerSideEncryptionConfiguration(
            scope,
            f"{name}_encryption",
            bucket=bucket.id,
            rule=[
                S3BucketServerSideEncryptionConfigurationRule(
                    apply_server_side_encryption_by_default=default,
                    bucket_key_enabled=key_arn is not None or None,
                )
            ],
        ),
        f"{name}_encryption",
    )
    pinned(
        S3BucketVersioning(
            scope, f"{name}_versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
        ),
        f"{name}_versioning",
    )
    pinned(
        S3BucketLifecycleConfiguration(scope, f"{name}_lifecycle", bucket=bucket.id, rule=[lifecycle]),
        f"{name}_lifecycle",
    )
    return bucket
