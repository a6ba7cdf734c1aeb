"""Accepted scan findings, each with its reason: groupfolders' own (security/default_acceptances.yaml,
shipped with the package: findings on its hardened defaults) and a repository's additions
(security/accepted_findings.yaml by default; a missing default file adds nothing).

Validated like an environment file (every problem as `file: field.path: reason`, exit 2)
and before anything is synthesized, so that `check` never scans with a broken file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from modules.config.load import validation_problems
from modules.config.yaml_source import Source, display_path, read_yaml
from modules.errors import ConfigError, Problem

SECURITY = Path(__file__).resolve().parents[2] / "security"
ACCEPTED = SECURITY / "accepted_findings.yaml"  # this repository's additions
DEFAULTS = SECURITY / "default_acceptances.yaml"  # groupfolders' own, installed with the package
BY_GROUPFOLDERS = "groupfolders"  # who accepted a finding of DEFAULTS
CHECK_ID = re.compile(r"CKV2?_[A-Z0-9]+_[0-9]+")
ADDRESS = re.compile(r"(data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+")


def _matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


CheckId = Annotated[StrictStr, _matching(CHECK_ID, "a checkov check id like CKV_AWS_144 or CKV2_AWS_62")]
Address = Annotated[StrictStr, _matching(ADDRESS, "a Terraform address like aws_s3_bucket.files")]


class Acceptance(BaseModel):
    """One accepted finding: a check on one Terraform address, in some or all environments."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check_id: CheckId = Field(alias="check")
    address: Address = Field(alias="resource")  # exact, as checkov reports it
    environments: tuple[StrictStr, ...] = ()  # empty: every environment
    reason: StrictStr

    @field_validator("environments", mode="before")
    @classmethod
    def _a_list(cls, value: Any) -> Any:
        if not isinstance(value, list):  # a string would otherwise pass as its letters
            raise ValueError("must be a list of environment names, e.g. [dev]")
        return value

    @field_validator("reason")
    @classmethod
    def _said(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must say why the finding is accepted")
        return value.strip()

    def covers(self, check_id: str, address: str, environment: str) -> bool:
        return (self.check_id, self.address) == (check_id, address) and (
            not self.environments or environment in self.environments
        )


def load_acceptances(path: Path) -> tuple[Acceptance, ...]:
    """Every entry of `path`, valid; or one ConfigError listing all problems."""
    # Anchors and aliases are allowed here: entries share a reason (&key-policy). Python-mode
    # validation keeps an alias one object, so nothing is expanded.
    entries, positions = read_yaml(path, aliases=True)
    source = Source(document={}, file=display_path(path), positions=positions)
    if entries is None:
        return ()
    if not isinstance(entries, list):
        reason = f"must be a list of accepted findings, but is a {type(entries).__name__}"
        raise ConfigError([Problem(source.file, "", reason)])
    acceptances: list[Acceptance] = []
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            kind = "empty" if entry is None else f"a {type(entry).__name__}"
            reason = f"must be a mapping of check, resource, reason (and environments), but is {kind}"
            problems.append(source.problem((index,), reason))
            continue
        try:
            acceptances.append(Acceptance.model_validate(entry))
        except ValidationError as error:
            problems += validation_problems(source, error, (index,), Acceptance)
    if problems:
        raise ConfigError(problems)
    return tuple(acceptances)


@dataclass(frozen=True)
class AcceptedFindings:
    """What `check` accepts: groupfolders' own entries, then the repository's additions from `file`
    (its display path; None when there is no such file: nothing added)."""

    defaults: tuple[Acceptance, ...]
    added: tuple[Acceptance, ...] = ()
    file: str | None = None


@cache
def default_acceptances() -> tuple[Acceptance, ...]:
    """groupfolders' own accepted findings (DEFAULTS), read once."""
    return load_acceptances(DEFAULTS)


def load_accepted(path: Path | None) -> AcceptedFindings:
    """groupfolders' own entries and those of `path` (None: none added)."""
    if path is None:
        return AcceptedFindings(default_acceptances())
    return AcceptedFindings(default_acceptances(), load_acceptances(path), display_path(path))
