"""Command line: `validate`, `synth` (the default), `report`, `check`.

Exit 0 on success; 2 on invalid configuration or an output directory that is not ours to
replace; 3 when `report --fail-on` finds a change of a refused kind; 1 on anything else (a
finding of `check` included); main.py adds 130 for Ctrl-C. Only `synth` and `check` import
cdktf; `validate` and `report` stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from modules import output_dir
from modules.access_model import environment_access
from modules.access_report import access_report, changes, changes_report
from modules.config.acceptances import ACCEPTED, Acceptance, load_acceptances
from modules.config.model import Environment
from modules.errors import ConfigError, Problem
from modules.review_base import base_from_directory, base_from_git
from modules.scan import ScanError, scan, table, write_check_reports
from modules.validation import load_valid_environments

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_ENVIRONMENTS = PROJECT / "environments"
EXIT_INVALID = 2
EXIT_FAILED = 1
EXIT_GATED = 3  # report --fail-on: a change of a kind the caller refuses
FAIL_ON = ("widened", "added", "removed", "data loss")


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
        command.add_argument(
            "--allow-extends-outside",
            action="store_true",
            help="let `extends` read files outside the environments directory",
        )
        if name in ("synth", "check"):
            command.add_argument("--outdir", default=None, metavar="DIR")
        if name == "check":
            command.add_argument("--report-dir", default="reports", metavar="DIR")
        if name == "report":
            _report_arguments(command)
    return parser


def _report_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--format", choices=("md", "json"), default="md")
    base = command.add_mutually_exclusive_group()
    base.add_argument(
        "--base-environments",
        type=Path,
        default=None,
        metavar="DIR",
        help="print only the changes from the environments in DIR (and the templates/policies/ beside it)",
    )
    base.add_argument(
        "--base-ref",
        default=None,
        metavar="REF",
        help="print only the changes from the environments and templates of git revision REF",
    )
    command.add_argument(
        "--fail-on",
        action="append",
        default=[],
        choices=FAIL_ON,
        help=f"exit {EXIT_GATED} when the diff holds such a change (repeatable; needs a base)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv if argv is not None else sys.argv[1:])
    command = arguments.command or "synth"
    environments_dir = getattr(arguments, "environments", DEFAULT_ENVIRONMENTS)
    names = getattr(arguments, "env", [])
    outside = getattr(arguments, "allow_extends_outside", False)
    try:
        environments = load_valid_environments(environments_dir, names, extends_outside=outside)
        if command == "validate":
            print(f"{len(environments)} environment(s) valid: {', '.join(e.name for e in environments)}")
            return 0
        if command == "report":
            return _report(environments, arguments, names)
        acceptances = load_acceptances(ACCEPTED) if command == "check" else ()  # refused before synthesis
        outdir = _outdir(getattr(arguments, "outdir", None))
        output_dir.check(outdir, environments_dir)
        report_dir = None
        if command == "check":
            report_dir = output_dir.chosen("--report-dir", arguments.report_dir, "reports")
            output_dir.check(report_dir, environments_dir)
        from modules.summary import synth_summary  # noqa: PLC0415 - cdktf only when synthesizing
        from modules.synth import synthesize  # noqa: PLC0415

        synthesize(environments, outdir)
        print(synth_summary(environments, outdir))
        return _check(environments, acceptances, outdir, report_dir) if report_dir is not None else 0
    except (ScanError, output_dir.OutputDirError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID if isinstance(error, output_dir.OutputDirError) else EXIT_FAILED
    except ConfigError as error:
        print(f"{len(error.problems)} configuration problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INVALID
    except Exception:  # noqa: BLE001 - the contract is exit 1 for anything unexpected
        traceback.print_exc()
        return EXIT_FAILED


def _outdir(given: str | None) -> Path:
    """--outdir, else $CDKTF_OUTDIR (what `cdktf synth` sets), else cdktf.out; never an empty one."""
    if given is not None:
        return output_dir.chosen("--outdir", given, "cdktf.out")
    return output_dir.chosen("CDKTF_OUTDIR", os.environ.get("CDKTF_OUTDIR", "cdktf.out"), "cdktf.out")


def _report(environments: Sequence[Environment], arguments: argparse.Namespace, names: Sequence[str]) -> int:
    head = [environment_access(environment) for environment in environments]
    outside = arguments.allow_extends_outside
    if arguments.base_environments is not None:
        base = base_from_directory(arguments.base_environments, names, extends_outside=outside)
    elif arguments.base_ref is not None:
        base = base_from_git(arguments.base_ref, arguments.environments, names, extends_outside=outside)
    else:
        if arguments.fail_on:
            raise ConfigError([Problem("--fail-on", "", "needs a base: --base-environments or --base-ref")])
        print(access_report(head, arguments.format), end="")
        return 0
    print(base.description, file=sys.stderr)
    found = changes(base.accesses, head)
    print(changes_report(found, arguments.format), end="")
    gated = sorted({change.kind for change in found} & set(arguments.fail_on))
    if gated:
        print(f"error: the diff holds {', '.join(gated)} changes (--fail-on)", file=sys.stderr)
        return EXIT_GATED
    return 0


def _check(
    environments: Sequence[Environment], acceptances: Sequence[Acceptance], outdir: Path, report_dir: Path
) -> int:
    result = scan(outdir, [environment.name for environment in environments], acceptances)
    print(table(result))
    as_json, as_sarif = write_check_reports(result, report_dir)
    print(f"reports: {as_json} {as_sarif}")
    return 0 if not result.failed else EXIT_FAILED
