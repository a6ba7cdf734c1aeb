"""Command line: `validate`, `synth` (the default), `report`, `check`.

Exit 0 on success, 2 on invalid configuration, 1 on anything else (a finding of `check`
included). Only `synth` and `check` import cdktf; `validate` and `report` stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from modules.config.model import Environment
from modules.errors import ConfigError
from modules.plan_summary import PlanError, load_plan
from modules.plan_summary import summary as plan_summary
from modules.report import report
from modules.scan import ScanError, scan, table, write_reports
from modules.validation import load_valid_environments

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_ENVIRONMENTS = PROJECT / "environments"
EXIT_INVALID = 2
EXIT_FAILED = 1


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # Exit code 2 means "invalid configuration"; a wrong command line is not that.
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILED, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="main.py", description="Cognito groups with their own S3 folders.")
    commands = parser.add_subparsers(dest="command")
    for name, text in (
        ("validate", "check configuration only"),
        ("synth", "write Terraform JSON"),
        ("report", "print who can do what, or what a change does to it"),
        ("check", "validate, synthesize and scan (checkov and our rules); fail on any unaccepted finding"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--environments", type=Path, default=DEFAULT_ENVIRONMENTS, metavar="DIR")
        command.add_argument("--env", action="append", default=[], metavar="NAME", help="repeatable")
        if name in ("synth", "check"):
            command.add_argument("--outdir", type=Path, default=None, metavar="DIR")
        if name == "check":
            command.add_argument("--report-dir", type=Path, default=Path("reports"), metavar="DIR")
        if name == "report":
            command.add_argument("--format", choices=("md", "json"), default="md")
            command.add_argument(
                "--base-environments",
                type=Path,
                default=None,
                metavar="DIR",
                help="print only the changes from DIR",
            )
    _add_plan_summary(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 - one exit per command and outcome
    arguments = _parser().parse_args(argv if argv is not None else sys.argv[1:])
    command = arguments.command or "synth"
    if command == "plan-summary":
        return _plan_summary(arguments.plan, arguments.title)
    environments_dir = getattr(arguments, "environments", DEFAULT_ENVIRONMENTS)
    names = getattr(arguments, "env", [])
    try:
        environments = load_valid_environments(environments_dir, names)
        if command == "validate":
            print(f"{len(environments)} environment(s) valid: {', '.join(e.name for e in environments)}")
            return 0
        if command == "report":
            base = None if arguments.base_environments is None else _base(arguments.base_environments, names)
            print(report(environments, base, arguments.format), end="")
            return 0
        outdir = getattr(arguments, "outdir", None) or Path(os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
        from modules.summary import synth_summary  # noqa: PLC0415 - cdktf only when synthesizing
        from modules.synth import synthesize  # noqa: PLC0415

        synthesize(environments, outdir)
        print(synth_summary(environments, outdir))
        return _check(environments, outdir, arguments.report_dir) if command == "check" else 0
    except ScanError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except ConfigError as error:
        print(f"{len(error.problems)} configuration problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    except Exception:  # noqa: BLE001 - the contract is exit 1 for anything unexpected
        traceback.print_exc()
        return EXIT_FAILED


def _base(directory: Path, names: Sequence[str]) -> tuple[Environment, ...]:
    """The base of a diff; an environment missing there is new, so all of its access is added."""
    present = [name for name in names if (directory / f"{name}.yaml").is_file()]
    if names and not present:
        return ()
    return load_valid_environments(directory, present)


def _check(environments: Sequence[Environment], outdir: Path, report_dir: Path) -> int:
    result = scan(outdir, [environment.name for environment in environments])
    print(table(result))
    as_json, as_sarif = write_reports(result, report_dir)
    print(f"reports: {as_json} {as_sarif}")
    return 0 if not result.failed else EXIT_FAILED


def _add_plan_summary(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "plan-summary",
        help="summarize `terraform show -json` output as Markdown",
        description="Print a Markdown summary of a Terraform plan: counts to add, change, replace and "
        "destroy; destroys and replacements of user pools, groups and buckets first. "
        "Exit codes: 0 printed, 2 the file is not a readable JSON plan.",
    )
    command.add_argument("plan", type=Path, metavar="PLAN.json", help="output of `terraform show -json PLAN`")
    command.add_argument(
        "--title", default=None, help="heading of the summary, e.g. the environment (default: the file stem)"
    )


def _plan_summary(path: Path, title: str | None) -> int:
    try:
        plan_changes = load_plan(path)
    except PlanError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(plan_summary(plan_changes, title or path.stem), end="")
    return 0
