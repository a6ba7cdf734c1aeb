"""The one module that imports the AWS provider bindings.

Every construct takes its AWS classes from here, so moving to another binding package
(CDKTF is archived upstream; its community continuation keeps this API under new
package names) is a change to this file only.

The package's `__init__` imports all of its 2,212 submodules (10-25 s); entering it
without that `__init__` (modules/jsii_package.py) makes the imports below load only the few we
use and the assembly once, about 2 s.
"""

from modules.jsii_package import enter_without_init

enter_without_init("cdktf_cdktf_provider_aws")

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cognito_identity_pool import (
    CognitoIdentityPool,
    CognitoIdentityPoolCognitoIdentityProviders,
)
from cdktf_cdktf_provider_aws.cognito_identity_pool_provider_principal_tag import (
    CognitoIdentityPoolProviderPrincipalTag,
)
from cdktf_cdktf_provider_aws.cognito_identity_pool_roles_attachment import (
    CognitoIdentityPoolRolesAttachment,
    CognitoIdentityPoolRolesAttachmentRoleMapping,
    CognitoIdentityPoolRolesAttachmentRoleMappingMappingRule,
)
from cdktf_cdktf_provider_aws.cognito_user_group import CognitoUserGroup
from cdktf_cdktf_provider_aws.cognito_user_pool import (
    CognitoUserPool,
    CognitoUserPoolLambdaConfig,
    CognitoUserPoolLambdaConfigPreTokenGenerationConfig,
)
from cdktf_cdktf_provider_aws.cognito_user_pool_client import CognitoUserPoolClient
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
)
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderAssumeRole, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_cors_configuration import (
    S3BucketCorsConfiguration,
    S3BucketCorsConfigurationCorsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA as S3BucketLogging
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration,
)
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationRuleA as S3BucketServerSideEncryptionConfigurationRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA as S3BucketVersioning

__all__ = [
    "AwsProvider",
    "AwsProviderAssumeRole",
    "AwsProviderDefaultTags",
    "CloudwatchLogGroup",
    "CognitoIdentityPool",
    "CognitoIdentityPoolCognitoIdentityProviders",
    "CognitoIdentityPoolProviderPrincipalTag",
    "CognitoIdentityPoolRolesAttachment",
    "CognitoIdentityPoolRolesAttachmentRoleMapping",
    "CognitoIdentityPoolRolesAttachmentRoleMappingMappingRule",
    "CognitoUserGroup",
    "CognitoUserPool",
    "CognitoUserPoolClient",
    "CognitoUserPoolLambdaConfig",
    "CognitoUserPoolLambdaConfigPreTokenGenerationConfig",
    "DataAwsCallerIdentity",
    "DataAwsIamPolicyDocument",
    "DataAwsIamPolicyDocumentStatement",
    "DataAwsIamPolicyDocumentStatementCondition",
    "DataAwsIamPolicyDocumentStatementPrincipals",
    "IamRole",
    "IamRolePolicy",
    "KmsAlias",
    "KmsKey",
    "LambdaFunction",
    "LambdaFunctionLoggingConfig",
    "LambdaFunctionTracingConfig",
    "LambdaPermission",
    "S3Bucket",
    "S3BucketCorsConfiguration",
    "S3BucketCorsConfigurationCorsRule",
    "S3BucketLifecycleConfiguration",
    "S3BucketLifecycleConfigurationRule",
    "S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload",
    "S3BucketLifecycleConfigurationRuleExpiration",
    "S3BucketLifecycleConfigurationRuleFilter",
    "S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration",
    "S3BucketLogging",
    "S3BucketOwnershipControls",
    "S3BucketPolicy",
    "S3BucketPublicAccessBlock",
    "S3BucketServerSideEncryptionConfiguration",
    "S3BucketServerSideEncryptionConfigurationRule",
    "S3BucketVersioning",
]
