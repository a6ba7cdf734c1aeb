"""The user pool and its app client: new ones, or existing ones given by id."""

from __future__ import annotations

from constructs import Construct

from modules import naming
from modules.aws import CognitoUserPool, CognitoUserPoolClient
from modules.config.model import Environment
from modules.constructs.addresses import pinned


class UserDirectory(Construct):
    """Exposes `user_pool_id`, `client_id` and `provider_name` whichever way it was made."""

    def __init__(self, scope: Construct, environment: Environment) -> None:
        super().__init__(scope, "user_directory")
        config = environment.user_pool
        if config.name is None:
            self.user_pool_id = str(config.existing_id)
            self.client_id = str(config.existing_client_id)
            self.provider_name = f"cognito-idp.{environment.region}.amazonaws.com/{config.existing_id}"
            return
        pool = pinned(
            CognitoUserPool(
                self,
                "pool",
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
            ),
            "users",
        )
        client = pinned(
            CognitoUserPoolClient(
                self,
                "client",
                name=naming.user_pool_client_name(environment),
                user_pool_id=pool.id,
                # A browser or mobile app cannot keep a secret.
                generate_secret=False,
                prevent_user_existence_errors="ENABLED",
                enable_token_revocation=True,
                explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            ),
            "web",
        )
        self.user_pool_id = pool.id
        self.client_id = client.id
        self.provider_name = pool.endpoint
