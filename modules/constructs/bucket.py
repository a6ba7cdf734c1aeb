"""The files bucket (new and hardened, or an existing one by name) and its log bucket."""

from __future__ import annotations

from constructs import Construct

from modules import naming
from modules.aws import (
    DataAwsCallerIdentity,
    KmsAlias,
    KmsKey,
    S3Bucket,
    S3BucketCorsConfiguration,
    S3BucketCorsConfigurationCorsRule,
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
from modules.config.model import Bucket
from modules.constructs.policy_document import policy_document
from modules.policies.documents import ACCESS_LOG_PREFIX, Document, key_policy, log_bucket_policy

LOG_RETENTION_DAYS = 365
LOG_NONCURRENT_DAYS = 30
INCOMPLETE_UPLOAD_DAYS = 7
# Response headers a browser SDK may read: ETag to complete a multipart upload, the others to
# report what S3 did (encryption, request ids for support cases).
CORS_EXPOSE_HEADERS = ("ETag", "x-amz-server-side-encryption", "x-amz-request-id", "x-amz-id-2")
CORS_MAX_AGE_SECONDS = 3000


class FilesBucket(Construct):
    """The files bucket: created and hardened here, or an existing one, used by name and
    left untouched (then this construct holds nothing)."""

    def __init__(
        self,
        scope: Construct,
        config: Bucket,
        *,
        key_alias: str,
        policy: Document | None,
        cors_methods: tuple[str, ...],
    ) -> None:
        """`cors_methods`: what the roles' capabilities need from a browser (with `cors_origins`)."""
        super().__init__(scope, "files_bucket")
        if config.name is None:
            return
        account = DataAwsCallerIdentity(self, naming.ACCOUNT)
        key_arn = self._key(config, key_alias, account.account_id) if config.encryption == "kms" else None
        lifecycle = _lifecycle("expire-noncurrent-versions", config.noncurrent_version_days)
        bucket = _hardened_bucket(self, naming.FILES, config.bucket_name, key_arn, lifecycle)
        if policy is not None:
            _bucket_policy(self, naming.FILES, bucket, policy)
        if config.access_logs:
            _access_logs(self, bucket, config.log_bucket_name, account.account_id)
        if config.cors_origins and cors_methods:
            _cors(self, bucket, config.cors_origins, cors_methods)

    def _key(self, config: Bucket, alias: str, account_id: str) -> str:
        document = policy_document(self, naming.FILES_KEY_POLICY, key_policy(account_id))
        key = KmsKey(
            self,
            naming.FILES_KEY,
            description=f"Objects of {config.bucket_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=document.json,
        )
        KmsAlias(self, naming.FILES_KEY_ALIAS, name=alias, target_key_id=key.key_id)
        return key.arn


def _cors(scope: Construct, bucket: S3Bucket, origins: tuple[str, ...], methods: tuple[str, ...]) -> None:
    """Scripts of `origins` may send the requests of `methods`, signed with the user's credentials:
    CORS only lets the browser send them; the group roles still decide what S3 allows."""
    rule = S3BucketCorsConfigurationCorsRule(
        allowed_origins=list(origins),
        allowed_methods=list(methods),
        allowed_headers=["*"],  # the SDK signs with Authorization and x-amz-* headers
        expose_headers=list(CORS_EXPOSE_HEADERS),
        max_age_seconds=CORS_MAX_AGE_SECONDS,
    )
    S3BucketCorsConfiguration(scope, naming.FILES_CORS, bucket=bucket.id, cors_rule=[rule])


def _access_logs(scope: Construct, source: S3Bucket, log_bucket_name: str, account_id: str) -> None:
    # Server access logs can only be delivered to an SSE-S3 bucket.
    retention = _lifecycle("expire-access-logs", LOG_NONCURRENT_DAYS, expire_after_days=LOG_RETENTION_DAYS)
    logs = _hardened_bucket(scope, naming.FILES_LOGS, log_bucket_name, None, retention)
    document = log_bucket_policy(f"arn:aws:s3:::{log_bucket_name}", source.arn, account_id)
    logs_policy = _bucket_policy(scope, naming.FILES_LOGS, logs, document)
    # S3 checks that the target bucket lets the logging service write before it accepts the
    # logging configuration: the policy must be in place first (a first apply failed without).
    S3BucketLogging(
        scope,
        naming.FILES_LOGGING,
        bucket=source.id,
        target_bucket=logs.id,
        target_prefix=ACCESS_LOG_PREFIX,
        depends_on=[logs_policy],
    )


def _bucket_policy(scope: Construct, base: str, bucket: S3Bucket, document: Document) -> S3BucketPolicy:
    policy = policy_document(scope, base + naming.BUCKET_POLICY_DOCUMENT, document)
    return S3BucketPolicy(scope, base + naming.BUCKET_POLICY, bucket=bucket.id, policy=policy.json)


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
    bucket = S3Bucket(scope, name, bucket=bucket_name)
    # A replacement must be deliberate: destroying the bucket destroys every folder.
    bucket.add_override("lifecycle.prevent_destroy", True)
    S3BucketPublicAccessBlock(
        scope,
        name + naming.PUBLIC_ACCESS_BLOCK,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    S3BucketOwnershipControls(
        scope, name + naming.OWNERSHIP, bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}
    )
    default = (
        {"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn} if key_arn else {"sse_algorithm": "AES256"}
    )
    S3BucketServerSideEncryptionConfiguration(
        scope,
        name + naming.ENCRYPTION,
        bucket=bucket.id,
        rule=[
            S3BucketServerSideEncryptionConfigurationRule(
                apply_server_side_encryption_by_default=default,
                bucket_key_enabled=key_arn is not None or None,
            )
        ],
    )
    S3BucketVersioning(
        scope, name + naming.VERSIONING, bucket=bucket.id, versioning_configuration={"status": "Enabled"}
    )
    S3BucketLifecycleConfiguration(scope, name + naming.LIFECYCLE, bucket=bucket.id, rule=[lifecycle])
    return bucket
