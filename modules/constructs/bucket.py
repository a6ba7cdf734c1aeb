"""The files bucket: new and hardened, or an existing one by name."""

from __future__ import annotations

from constructs import Construct

from modules.aws import (
    S3Bucket,
    S3BucketOwnershipControls,
    S3BucketPolicy,
    S3BucketPublicAccessBlock,
    S3BucketServerSideEncryptionConfiguration,
    S3BucketServerSideEncryptionConfigurationRule,
    S3BucketVersioning,
)
from modules.config.model import Bucket
from modules.constructs.addresses import pinned
from modules.constructs.policy_document import policy_document
from modules.policies.documents import tls_only_bucket_policy

NAME = "files"


class FilesBucket(Construct):
    """Only for a new bucket: an existing one is used by name and left untouched."""

    def __init__(self, scope: Construct, config: Bucket) -> None:
        super().__init__(scope, "files_bucket")
        bucket = pinned(S3Bucket(self, "bucket", bucket=config.bucket_name), NAME)
        # A replacement must be deliberate: destroying the bucket destroys every folder.
        bucket.add_override("lifecycle.prevent_destroy", True)
        pinned(
            S3BucketPublicAccessBlock(
                self,
                "public_access_block",
                bucket=bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            f"{NAME}_public_access_block",
        )
        pinned(
            S3BucketOwnershipControls(
                self, "ownership", bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}
            ),
            f"{NAME}_ownership",
        )
        pinned(
            S3BucketServerSideEncryptionConfiguration(
                self,
                "encryption",
                bucket=bucket.id,
                rule=[
                    S3BucketServerSideEncryptionConfigurationRule(
                        apply_server_side_encryption_by_default={"sse_algorithm": "AES256"}
                    )
                ],
            ),
            f"{NAME}_encryption",
        )
        if config.versioned:
            pinned(
                S3BucketVersioning(
                    self, "versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
                ),
                f"{NAME}_versioning",
            )
        document = policy_document(self, f"{NAME}_policy_document", tls_only_bucket_policy(config.arn))
        pinned(S3BucketPolicy(self, "policy", bucket=bucket.id, policy=document.json), f"{NAME}_policy")
