"""The user pool and its app client: new ones, or existing ones given by id."""

from __future__ import annotations

from constructs import Construct

from modules import naming
from modules.aws import (
    CognitoUserPool,
    CognitoUserPoolClient,
    CognitoUserPoolLambdaConfig,
    CognitoUserPoolLambdaConfigPreTokenGenerationConfig,
)
from modules.config.model import UserPool


class UserDirectory(Construct):
    """Exposes `user_pool_id`, `client_id` and `provider_name` whichever way it was made, and
    `user_pool_arn` for a pool made here (None for an existing one).

    `pre_token_lambda_arn` (tags mode) becomes a new pool's Pre Token Generation trigger
    (event V1_0: ID-token claims, every feature plan); an existing pool is never changed.
    """

    def __init__(
        self,
        scope: Construct,
        config: UserPool,
        *,
        region: str,
        client_name: str,
        pre_token_lambda_arn: str | None = None,
    ) -> None:
        super().__init__(scope, "user_directory")
        self.user_pool_arn: str | None = None
        if config.name is None:
            self.user_pool_id = str(config.existing_id)
            self.client_id = str(config.existing_client_id)
            self.provider_name = f"cognito-idp.{region}.amazonaws.com/{config.existing_id}"
            return
        pool = CognitoUserPool(
            self,
            naming.USER_POOL,
            name=config.name,
            deletion_protection="ACTIVE" if config.deletion_protection else "INACTIVE",
            # Administrators add users to groups, so they also create the users.
            admin_create_user_config={"allow_admin_create_user_only": True},
            password_policy={
                "minimum_length": 12,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": True,
                "temporary_password_validity_days": 3,
            },
            mfa_configuration="OPTIONAL",
            software_token_mfa_configuration={"enabled": True},
            auto_verified_attributes=["email"],
            username_attributes=["email"],
            lambda_config=_pre_token_trigger(pre_token_lambda_arn),
        )
        client = CognitoUserPoolClient(
            self,
            naming.USER_POOL_CLIENT,
            name=client_name,
            user_pool_id=pool.id,
            # A browser or mobile app cannot keep a secret.
            generate_secret=False,
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )
        self.user_pool_id = pool.id
        self.user_pool_arn = pool.arn
        self.client_id = client.id
        self.provider_name = pool.endpoint


def _pre_token_trigger(lambda_arn: str | None) -> CognitoUserPoolLambdaConfig | None:
    if lambda_arn is None:
        return None
    return CognitoUserPoolLambdaConfig(
        pre_token_generation_config=CognitoUserPoolLambdaConfigPreTokenGenerationConfig(
            lambda_arn=lambda_arn, lambda_version="V1_0"
        )
    )
