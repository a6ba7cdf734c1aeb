"""`groupfolders init`: a working starting point in a repository of one's own.

An example environment with its schema modeline (unless environments/ holds environments
already), the two schema files it names, a .gitignore for the output and the reports, and an
accepted-findings file that adds nothing yet to groupfolders' own. Nothing that exists is
overwritten: when any of these files exists, nothing is written at all.
"""

from __future__ import annotations

import os
from pathlib import Path

from modules.config.schema import schema_text

SCHEMA = Path("schema") / "environment.schema.json"
BASE_SCHEMA = Path("schema") / "environment-base.schema.json"
MODELINE = "# yaml-language-server: $schema={schema}\n"
EXAMPLE = """\
# An environment: one Cognito user pool, one S3 bucket, a folder per group. `groupfolders
# validate` checks it, `groupfolders check` synthesizes it into cdktf.out/ and scans it.
app: example
region: eu-west-1
user_pool: {name: example-users}
# Bucket names are global: choose your own.
bucket: {name: example-groupfolders-files}
groups:
  - name: analysts
    description: Read the shared analysis folder
    access: read
    precedence: 20
  - name: finance
    description: Reports and invoices
    access: readwrite-nodelete
    precedence: 10
    prefixes: [finance/reports/, finance/invoices/]
"""
GITIGNORE = """\
# groupfolders' output: synthesized stacks, check reports, the access diff of a pull request.
cdktf.out/
.cdktf.out.*/
reports/
access-diff.md
"""
ACCEPTED_FINDINGS = """\
# Scan findings this repository accepts, each with its reason; `groupfolders check` fails on
# any other. groupfolders accepts the findings on its own hardened defaults itself (shown as
# "accepted by groupfolders"); entries here add to them. An entry that matches nothing is
# reported as stale. For example:
#
# - check: CKV_AWS_144
#   resource: aws_s3_bucket.files
#   environments: [dev]          # optional: every environment when left out
#   reason: Why this finding is acceptable here.
[]
"""


class StartingPointError(Exception):
    """A file of the starting point exists already: nothing was written."""


def starting_point(environments: Path) -> dict[Path, str]:
    """Each file `init` writes (relative to the working directory) and its text; the example
    environment only when `environments` holds no environment file yet."""
    files = {
        SCHEMA: schema_text(base=False),
        BASE_SCHEMA: schema_text(base=True),
        Path(".gitignore"): GITIGNORE,
        Path("security") / "accepted_findings.yaml": ACCEPTED_FINDINGS,
    }
    if not [*environments.glob("*.yaml"), *environments.glob("*.yml")]:
        modeline = MODELINE.format(schema=Path(os.path.relpath(SCHEMA, environments)).as_posix())
        files = {environments / "example.yaml": modeline + EXAMPLE, **files}
    return files


def write_starting_point(environments: Path) -> tuple[Path, ...]:
    """Write starting_point(); refuse when any of its files exists, writing none."""
    files = starting_point(environments)
    existing = [path.as_posix() for path in files if path.exists() or path.is_symlink()]
    if existing:
        verb = "exists" if len(existing) == 1 else "exist"
        raise StartingPointError(
            f"{', '.join(existing)}: {verb} already; init overwrites nothing, so it wrote nothing"
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tuple(files)
