"""The stack's Terraform outputs: each name (modules.naming) with the description the stack
emits, so that the README's outputs table is written from what the stack declares.

`python -m modules.outputs` prints the table; tests/test_synth.py holds README to it and
holds every synthesized output to a row of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from modules import naming

HEADER = "| name | description |\n|---|---|\n"
# How a row names the output of each group: naming.terraform_id(<group>) + ROLE_ARN_OUTPUT.
GROUP_PLACEHOLDER = "<group>"


@dataclass(frozen=True)
class Output:
    name: str  # a group's output: GROUP_PLACEHOLDER in place of the group's Terraform name
    description: str

    def named(self, group_name: str) -> str:
        """A group's output: the name for `group_name`."""
        return self.name.replace(naming.terraform_id(GROUP_PLACEHOLDER), naming.terraform_id(group_name))


USER_POOL_ID = Output(
    naming.USER_POOL_ID_OUTPUT, "the Cognito user pool's id (the existing pool's, if one is named)"
)
USER_POOL_CLIENT_ID = Output(
    naming.USER_POOL_CLIENT_ID_OUTPUT, "the id of the app client that users sign in through"
)
IDENTITY_POOL_ID = Output(
    naming.IDENTITY_POOL_ID_OUTPUT, "the identity pool's id, which clients exchange tokens at"
)
BUCKET_NAME = Output(
    naming.BUCKET_NAME_OUTPUT, "the files bucket's name (the existing bucket's, if one is named)"
)
GROUP_ROLE_ARN = Output(
    naming.terraform_id(GROUP_PLACEHOLDER) + naming.ROLE_ARN_OUTPUT,
    "`token` and `rules`: the ARN of the group's role, one output per group "
    "(`.` in a group name becomes `_`)",
)
FOLDERS_ROLE_ARN = Output(
    naming.FOLDERS_ROLE_ARN_OUTPUT, "`tags`: the ARN of the one folders role that every group member receives"
)
FOLDER_CLAIMS_ARN = Output(
    naming.FOLDER_CLAIMS_ARN_OUTPUT,
    "`tags`: the ARN of the folder-claims Lambda; attach it to an existing user pool as its "
    "`V1_0` Pre Token Generation trigger",
)
CLIENT_CONFIG = Output(naming.CLIENT_CONFIG_OUTPUT, "amplify_outputs.json for web and mobile clients")
REFERENCE_AUTH = Output(
    naming.REFERENCE_AUTH_OUTPUT,
    "Amplify Gen 2 referenceAuth() props; no unauthRoleArn: the identity pool refuses guests (see README)",
)

OUTPUTS: tuple[Output, ...] = (
    USER_POOL_ID,
    USER_POOL_CLIENT_ID,
    IDENTITY_POOL_ID,
    BUCKET_NAME,
    GROUP_ROLE_ARN,
    FOLDERS_ROLE_ARN,
    FOLDER_CLAIMS_ARN,
    CLIENT_CONFIG,
    REFERENCE_AUTH,
)


def outputs_table() -> str:
    return HEADER + "".join(f"| `{output.name}` | {output.description} |\n" for output in OUTPUTS)


if __name__ == "__main__":
    print(outputs_table(), end="")
