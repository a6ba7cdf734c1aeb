"""The security gate: checkov (its own environment) with our rules in checks/, over synthesized stacks.

Plain Python: checkov runs as a subprocess, so its pins never meet ours.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from modules import output_dir
from modules.config.acceptances import BY_GROUPFOLDERS, Acceptance, AcceptedFindings
from modules.config.model import Environment
from modules.config.yaml_source import Source, display_path, field_path
from modules.prerequisites import checkov_binary
from modules.resource_origins import config_path, resource_position
from modules.summary import stack_file

PROJECT = Path(__file__).resolve().parents[1]
OWN_CHECKS = PROJECT / "checks"


class ScanError(Exception):
    """checkov did not produce a report."""


@dataclass(frozen=True)
class Finding:
    environment: str
    check_id: str
    check_name: str
    address: str  # the Terraform address, e.g. aws_s3_bucket.files
    setting: str  # the configuration that produced it, e.g. groups[1] ("" for the whole environment)
    file: str  # where that setting is written: what a reviewer edits, never the generated stack
    line: int
    column: int
    guideline: str | None = None  # the rule's documentation, as checkov reports it
    accepted: str | None = None  # the reason, when an accepted finding covers it
    accepted_by: str | None = None  # "groupfolders" (its own defaults) or the file that accepts it


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    passed: int
    unused: tuple[Acceptance, ...]  # the repository's acceptances that matched nothing: stale, remove them
    checkov_version: str
    evaluated: frozenset[str] = frozenset()  # every address some check passed or failed
    accepted_file: str | None = None  # the repository's accepted-findings file; None: there is none

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.accepted is None)


def scan(
    outdir: Path,
    checked: Sequence[tuple[Environment, Source]],
    acceptances: AcceptedFindings,
    checks: Path = OWN_CHECKS,
    *,
    every_environment: bool = True,
) -> ScanResult:
    """Run checkov once over the stacks of the `checked` environments in `outdir`, with the rules
    in `checks`; judge each finding by `acceptances` (config.acceptances.load_accepted, read
    before synthesis). `every_environment`: `checked` is all of them (no --env)."""
    report = checkov_report(outdir / "stacks", checks)
    return judge(report, outdir, checked, acceptances, every_environment=every_environment)


def judge(
    report: dict[str, Any],
    outdir: Path,
    checked: Sequence[tuple[Environment, Source]],
    acceptances: AcceptedFindings,
    *,
    every_environment: bool = True,
) -> ScanResult:
    """The verdict on the `checked` environments from `report`, checkov's report on
    `outdir/stacks`; each finding placed at the setting that produced it. An acceptance is stale
    only when every environment it applies to was scanned: with `--env` an acceptance for all
    environments, or for one that was not scanned, may still match elsewhere. groupfolders' own
    acceptances are never stale: which of them apply depends on the configuration."""
    by_name = {environment.name: (environment, source) for environment, source in checked}
    environments = list(by_name)
    unparsed = report["results"].get("parsing_errors") or []
    if unparsed:
        raise ScanError(f"checkov could not parse: {', '.join(sorted(unparsed))}")
    addresses = {env: _addresses(stack_file(outdir, env)) for env in environments}
    results = {
        outcome: [item for item in report["results"][f"{outcome}_checks"] if _environment(item) in addresses]
        for outcome in ("passed", "failed")
    }
    _require_results(environments, results)
    findings = [_finding(item, addresses, by_name) for item in results["failed"]]
    judged = tuple(sorted((_judge(f, acceptances) for f in findings), key=_order))
    used = {a for f in findings for a in acceptances.added if _covers(a, f)}
    unused = tuple(
        a
        for a in acceptances.added
        if a not in used and _judged_by(a, environments, every_environment=every_environment)
    )
    evaluated = frozenset(
        addresses[_environment(item)].get(item["resource"], item["resource"])
        for outcome in results.values()
        for item in outcome
    )
    version = str(report["summary"].get("checkov_version", ""))
    return ScanResult(judged, len(results["passed"]), unused, version, evaluated, acceptances.file)


def _require_results(environments: Sequence[str], results: dict[str, list]) -> None:
    """A stack that checkov read without a single result must not pass as clean."""
    seen = {_environment(item) for outcome in results.values() for item in outcome}
    silent = [env for env in environments if env not in seen]
    if silent:
        raise ScanError(f"checkov reported no result for: {', '.join(silent)}")


def checkov_report(stacks: Path, checks: Path = OWN_CHECKS) -> dict[str, Any]:
    """One checkov run, the rules in `checks` included, over a directory of stacks: its
    terraform_json report."""
    command = [
        str(checkov_binary()),
        "--directory", str(stacks),
        "--framework", "terraform_json",
        "--external-checks-dir", str(checks),
        "--skip-download",
        "--output", "json",
    ]  # fmt: skip
    environment = {**os.environ, "LOG_LEVEL": "WARNING", "BC_SKIP_MAPPING": "TRUE"}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        detail = done.stderr.strip()[-2000:]
        raise ScanError(f"checkov gave no JSON report (exit {done.returncode}): {detail}") from error
    reports = report if isinstance(report, list) else [report]
    found = [r for r in reports if r.get("check_type") == "terraform_json"]
    if not found:
        raise ScanError(f"checkov scanned nothing in {stacks}")
    return found[0]


def _environment(item: dict[str, Any]) -> str:
    """checkov names files relative to the scanned directory: /<env>/cdk.tf.json."""
    return item["file_path"].strip("/").split("/")[0]


def _addresses(stack_file: Path) -> dict[str, str]:
    """Terraform address of every block under each name checkov reports it by.

    Python checks name tf.json blocks `resource.<name>` / `data.<name>`, graph checks
    `<type>.<name>`: validation keeps our names unique across types (naming.block_names),
    so each maps to one address.
    """
    stack = json.loads(stack_file.read_text())
    found = {}
    for kind, prefix in (("resource", ""), ("data", "data.")):
        for type_, blocks in stack.get(kind, {}).items():
            for name in blocks:
                address = f"{prefix}{type_}.{name}"
                found.update({f"{kind}.{name}": address, f"{type_}.{name}": address, address: address})
    return found


def _finding(
    item: dict[str, Any],
    addresses: dict[str, dict[str, str]],
    checked: dict[str, tuple[Environment, Source]],
) -> Finding:
    name = _environment(item)
    environment, source = checked[name]
    address = addresses[name].get(item["resource"], item["resource"])
    position = resource_position(environment, source, address)
    return Finding(
        environment=name,
        check_id=item["check_id"],
        check_name=item.get("check_name", ""),
        address=address,
        setting=field_path(config_path(environment, address)),
        file=_uri(Path(position.file)),
        line=position.line,
        column=position.column,
        guideline=item.get("guideline") or None,
    )


def _uri(path: Path) -> str:
    """Relative to the working directory (the repository, for a code-scanning upload), else file://."""
    shown = display_path(path)
    return Path(shown).resolve().as_uri() if Path(shown).is_absolute() else shown


def _judge(finding: Finding, acceptances: AcceptedFindings) -> Finding:
    """groupfolders' own acceptance first: the repository's file adds to it."""
    by = [
        *((a, BY_GROUPFOLDERS) for a in acceptances.defaults),
        *((a, acceptances.file) for a in acceptances.added),
    ]
    found = next(((a.reason, who) for a, who in by if _covers(a, finding)), None)
    return finding if found is None else replace(finding, accepted=found[0], accepted_by=found[1])


def _covers(acceptance: Acceptance, finding: Finding) -> bool:
    return acceptance.covers(finding.check_id, finding.address, finding.environment)


def _order(finding: Finding) -> tuple[str, str, str]:
    return (finding.environment, finding.check_id, finding.address)


def _judged_by(acceptance: Acceptance, scanned: Sequence[str], *, every_environment: bool) -> bool:
    """Whether this scan covered every environment `acceptance` applies to."""
    if not acceptance.environments:
        return every_environment
    return set(acceptance.environments) <= set(scanned)


def table(result: ScanResult) -> str:
    """Every finding, then the verdict; a finding groupfolders accepts itself says so."""
    rows = [f"{'env':<10} {'check':<13} {'resource':<62} status"]
    for f in result.findings:
        status = _status(f)
        rows.append(f"{f.environment:<10} {f.check_id:<13} {f.address:<62} {status}")
    return "\n".join([*rows, verdict(result)])


def _status(finding: Finding) -> str:
    if finding.accepted is None:
        return "FAILED"
    return "accepted by groupfolders" if finding.accepted_by == BY_GROUPFOLDERS else "accepted"


def verdict(result: ScanResult) -> str:
    """Stale acceptances, the counts and PASS or FAIL: what a passing run prints without --verbose."""
    rows = [f"stale acceptance (matched nothing): {a.check_id} {a.address}" for a in result.unused]
    own = sum(f.accepted_by == BY_GROUPFOLDERS for f in result.findings)
    added = len(result.findings) - len(result.failed) - own
    file = result.accepted_file if result.accepted_file is not None else "no accepted-findings file"
    rows.append(
        f"checkov {result.checkov_version}: {result.passed} passed, {len(result.failed)} failed, "
        f"{own} accepted by groupfolders' defaults, {added} by {file}"
    )
    rows.append(f"verdict: {'PASS' if not result.failed else 'FAIL'}")
    return "\n".join(rows)


def check_json(result: ScanResult) -> dict[str, Any]:
    return {
        "verdict": "pass" if not result.failed else "fail",
        "checkov_version": result.checkov_version,
        "passed": result.passed,
        "findings": [f.__dict__ for f in result.findings],
        "stale_acceptances": [a.__dict__ for a in result.unused],
    }


def check_sarif(result: ScanResult) -> dict[str, Any]:
    """SARIF 2.1.0 for code-scanning upload: each result at the environment file and line that
    produced the resource; accepted findings carry their justification."""
    rules = sorted({(f.check_id, f.check_name, f.guideline or "") for f in result.findings})
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "groupfolders check (checkov)",
                        "version": result.checkov_version,
                        "rules": [_sarif_rule(*rule) for rule in rules],
                    }
                },
                "results": [_sarif_result(f) for f in result.findings],
            }
        ],
    }


def _sarif_rule(check_id: str, check_name: str, guideline: str) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": check_id, "shortDescription": {"text": check_name}}
    if guideline:
        rule["helpUri"] = _help_uri(guideline)
    return rule


def _help_uri(guideline: str) -> str:
    """Our rules name their section of checks/README.md relative to this project; checkov's
    own guidelines are URLs already."""
    if "://" in guideline:
        return guideline
    path, _, anchor = guideline.partition("#")
    return f"{_uri(PROJECT / path)}#{anchor}" if anchor else _uri(PROJECT / path)


def _sarif_result(finding: Finding) -> dict[str, Any]:
    setting = finding.setting or "the environment"
    result: dict[str, Any] = {
        "ruleId": finding.check_id,
        "level": "error",
        "message": {
            "text": f"{finding.check_name} ({finding.environment}: {finding.address}, from {setting})"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.file},
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }
        ],
    }
    if finding.accepted is not None:
        suppression = {"kind": "external", "justification": finding.accepted}
        result["suppressions"] = [{**suppression, "properties": {"acceptedBy": finding.accepted_by}}]
    return result


def write_check_reports(result: ScanResult, directory: Path) -> tuple[Path, Path]:
    """`directory` becomes check.json and check.sarif, under the rules of every output directory."""

    def write(staging: Path) -> None:
        for name, content in (("check.json", check_json(result)), ("check.sarif", check_sarif(result))):
            (staging / name).write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")

    output_dir.replace(directory, write)
    return directory / "check.json", directory / "check.sarif"
