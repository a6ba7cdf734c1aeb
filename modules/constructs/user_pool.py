"""The user pool and its app client: new ones, or existing ones given by id."""

from __future__ import annotations

from constructs import Construct

from modules import naming
from modules.aws import CognitoUserPool, CognitoUserPoolClient
from modules.config.model import UserPool


class UserDirectory(Construct):
    """Exposes `user_pool_id`, `client_id` and `provider_name` whichever way it was made."""

    def __init__(self, scope: Construct, config: UserPool, *, region: str, client_name: str) -> None:
        super().__init__(scope, "user_directory")
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
        self.client_id = client.id
        self.provider_name = pool.endpoint
