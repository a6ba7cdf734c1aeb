"""tags mode: the Lambda that issues folder claims at sign-in (Cognito Pre Token Generation, V1_0).

Its code is templates/lambda/pre_token_generation.py with grants.json (written here from the
configuration) beside it, packaged by cdktf's own asset mechanism: the stack directory holds
the zip, so `terraform apply` needs nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from cdktf import App, AssetType, Fn, TerraformAsset, TerraformStack
from constructs import Construct

from modules import naming
from modules.aws import (
    CloudwatchLogGroup,
    DataAwsCallerIdentity,
    LambdaFunction,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
    LambdaPermission,
)
from modules.constructs.folder_role import FolderRole
from modules.constructs.policy_document import policy_document
from modules.policies.documents import folder_claims_logs_policy, lambda_trust_policy

HANDLER_SOURCE = Path(__file__).resolve().parents[2] / "templates" / "lambda" / "pre_token_generation.py"
HANDLER = HANDLER_SOURCE.stem + ".handler"
GRANTS_FILE = "grants.json"
SOURCES = "folder-claims-sources"  # <outdir>/<this>/<stack>/: the function's files before zipping
RUNTIME = "python3.12"
LOG_RETENTION_DAYS = 365
# Sign-ins of one pool are what invokes it; a cap keeps a flood from starving the account.
RESERVED_CONCURRENCY = 50
TIMEOUT_SECONDS = 5
# Zip entries carry modification times: a fixed one makes the same input the same zip.
FIXED_MTIME = 315_532_800  # 1980-01-01, the earliest a zip can hold


class FolderClaimsFunction(Construct):
    """Exposes `arn`; `allow_pool` lets one user pool invoke it."""

    def __init__(self, scope: Construct, *, name: str, environment_name: str, grants: dict[str, Any]) -> None:
        super().__init__(scope, naming.FOLDER_CLAIMS)
        # The asset hashes this directory now and zips it at synth, so it lives in the
        # output directory, beside the stacks: there it is also what a reviewer reads.
        source = Path(App.of(self).outdir) / SOURCES / TerraformStack.of(self).node.id
        _write_sources(source, grants)
        code = TerraformAsset(self, naming.FOLDER_CLAIMS_CODE, path=str(source), type=AssetType.ARCHIVE)
        log_group = f"/aws/lambda/{name}"
        logs = CloudwatchLogGroup(
            self, naming.FOLDER_CLAIMS_LOGS, name=log_group, retention_in_days=LOG_RETENTION_DAYS
        )
        role = FolderRole(
            self,
            naming.FOLDER_CLAIMS,
            role_name=name,
            description=f"Issues folder claims at sign-in ({environment_name})",
            trust_json=policy_document(self, naming.FOLDER_CLAIMS_TRUST, lambda_trust_policy()).json,
            policy=folder_claims_logs_policy(logs.arn),
        ).role
        self._function = LambdaFunction(
            self,
            naming.FOLDER_CLAIMS_FUNCTION,
            function_name=name,
            description="groupfolders: folder claims for the ID token from Cognito group membership",
            role=role.arn,
            runtime=RUNTIME,
            handler=HANDLER,
            filename=code.path,
            source_code_hash=Fn.filebase64sha256(code.path),
            timeout=TIMEOUT_SECONDS,
            memory_size=128,
            reserved_concurrent_executions=RESERVED_CONCURRENCY,
            tracing_config=LambdaFunctionTracingConfig(mode="PassThrough"),
            logging_config=LambdaFunctionLoggingConfig(log_format="Text", log_group=logs.name),
            depends_on=[logs],
        )
        self.arn = self._function.arn

    def allow_pool(self, user_pool_arn: str) -> None:
        LambdaPermission(
            self,
            naming.FOLDER_CLAIMS_INVOKE,
            action="lambda:InvokeFunction",
            function_name=self._function.function_name,
            principal="cognito-idp.amazonaws.com",
            source_arn=user_pool_arn,
        )

    def existing_pool_arn(self, region: str, pool_id: str) -> str:
        account = DataAwsCallerIdentity(self, naming.FOLDER_CLAIMS_ACCOUNT)
        return f"arn:aws:cognito-idp:{region}:{account.account_id}:userpool/{pool_id}"


def _write_sources(directory: Path, grants: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HANDLER_SOURCE, directory / HANDLER_SOURCE.name)
    (directory / GRANTS_FILE).write_text(
        json.dumps(grants, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    for path in directory.iterdir():
        path.chmod(0o644)
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
