"""Command line (`main.py`, or the `groupfolders` console script): `validate`, `synth` (the
default), `report`, `check`, `plan-summary`.

Exit 0 on success, 2 on invalid configuration, 1 on anything else (a finding of `check`
included). Only `synth` and `check` import cdktf; `validate` and `report` stay fast. Default
paths are relative to the working directory, so the CLI serves any repository's environments.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from modules import __version__
from modules.config.model import Environment
from modules.errors import ConfigError
from modules.plan_summary import PlanError, load_plan
from modules.plan_summary import summary as plan_summary
from modules.progress import Progress
from modules.report import report
from modules.scan import ScanError, scan, table, verdict, write_reports
from modules.validation import load_valid_environments

DEFAULT_ENVIRONMENTS = Path("environments")  # relative to the working directory, like every default path
DEFAULT_OUTDIR = "cdktf.out"
DEFAULT_ACCEPTED = Path("security") / "accepted_findings.yaml"
EXIT_INVALID = 2
EXIT_FAILED = 1

EXIT_CODES = (
    "exit codes: 0 success; 1 failure (a wrong command line, an unaccepted finding of check, "
    "anything unexpected); 2 invalid configuration, every problem listed on stderr"
)
COMMANDS = {
    "validate": "validate the configuration only; never imports cdktf (well under a second)",
    "synth": "validate, then write Terraform JSON: OUTDIR/stacks/<env>/cdk.tf.json (the default command)",
    "report": "print who can do what (Markdown or JSON), or with a base, only what a change does to it",
    "check": "validate, synthesize and scan (checkov and our rules); fail on any unaccepted finding",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # Exit code 2 means "invalid configuration"; a wrong command line is not that.
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILED, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        description="Cognito user-pool groups with their own S3 folders: YAML to Terraform, scanned.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"groupfolders {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, text in COMMANDS.items():
        command = commands.add_parser(name, help=text, description=text, epilog=EXIT_CODES)
        command.add_argument(
            "--environments",
            type=Path,
            default=DEFAULT_ENVIRONMENTS,
            metavar="DIR",
            help="directory of environment files <env>.yaml (_*.yaml are bases, not environments) "
            "(default: ./environments)",
        )
        command.add_argument(
            "--env",
            action="append",
            default=[],
            metavar="NAME",
            help="only this environment; repeatable (default: every environment in DIR)",
        )
        if name != "report":
            command.add_argument(
                "-q", "--quiet", action="store_true", help="no progress lines on stderr (default: shown)"
            )
        if name in ("synth", "check"):
            command.add_argument(
                "--outdir",
                type=Path,
                default=None,
                metavar="DIR",
                help=f"output directory (default: $CDKTF_OUTDIR, else ./{DEFAULT_OUTDIR})",
            )
        if name == "check":
            command.add_argument(
                "--report-dir",
                type=Path,
                default=Path("reports"),
                metavar="DIR",
                help="where check.json and check.sarif are written (default: ./reports)",
            )
            command.add_argument(
                "--accepted-findings",
                type=Path,
                default=DEFAULT_ACCEPTED,
                metavar="FILE",
                help=f"the accepted findings, each with its reason (default: ./{DEFAULT_ACCEPTED})",
            )
            command.add_argument(
                "-v",
                "--verbose",
                action="store_true",
                help="print every finding; a passing run otherwise prints only the counts (default: off)",
            )
        if name == "report":
            command.add_argument(
                "--format", choices=("md", "json"), default="md", help="output format (default: md)"
            )
            command.add_argument(
                "--base-environments",
                type=Path,
                default=None,
                metavar="DIR",
                help="print only the changes from DIR (default: the whole report)",
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
    progress = Progress(quiet=command == "report" or getattr(arguments, "quiet", False))
    if command == "check" and not arguments.accepted_findings.is_file():
        print(
            f"error: {arguments.accepted_findings}: no such file (give --accepted-findings FILE; "
            "an empty file accepts nothing)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    try:
        with progress.step(f"validating {environments_dir}"):
            environments = load_valid_environments(environments_dir, names)
        if command == "validate":
            print(f"{len(environments)} environment(s) valid: {', '.join(e.name for e in environments)}")
            return 0
        if command == "report":
            base = None if arguments.base_environments is None else _base(arguments.base_environments, names)
            print(report(environments, base, arguments.format), end="")
            return 0
        outdir = getattr(arguments, "outdir", None) or Path(os.environ.get("CDKTF_OUTDIR", DEFAULT_OUTDIR))
        with progress.step(f"synthesizing {', '.join(e.name for e in environments)} into {outdir}"):
            from modules.summary import synth_summary  # noqa: PLC0415 - cdktf only when synthesizing
            from modules.synth import synthesize  # noqa: PLC0415

            synthesize(environments, outdir)
        print(synth_summary(environments, outdir))
        if command == "check":
            return _check(environments, outdir, arguments, progress)
        return 0
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


def _check(
    environments: Sequence[Environment], outdir: Path, arguments: argparse.Namespace, progress: Progress
) -> int:
    with progress.step("scanning with checkov and our rules"):
        result = scan(outdir, [environment.name for environment in environments], arguments.accepted_findings)
    passing = not result.failed
    print(
        verdict(result, arguments.accepted_findings)
        if passing and not arguments.verbose
        else table(result, arguments.accepted_findings)
    )
    as_json, as_sarif = write_reports(result, arguments.report_dir)
    print(f"reports: {as_json} {as_sarif}")
    return 0 if passing else EXIT_FAILED


def _add_plan_summary(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "plan-summary",
        help="summarize `terraform show -json` output as Markdown",
        description="Print a Markdown summary of a Terraform plan: counts to add, change, replace and "
        "destroy; destroys and replacements of user pools, groups and buckets first.",
        epilog="exit codes: 0 printed; 1 a wrong command line; 2 the file is not a readable JSON plan",
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
