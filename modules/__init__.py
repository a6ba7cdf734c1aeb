"""groupfolders: Cognito user-pool groups with their own S3 folders, as CDKTF stacks."""

__version__ = "0.2.0"
