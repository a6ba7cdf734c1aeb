"""Command line (`main.py`, or the `groupfolders` console script): `validate`, `synth` (the
default), `report`, `check`, `plan-summary`, `explain`, `schema`, `init`, and the two that
call AWS (boto3, the `aws` extra), `discover` and `verify` (modules/discover/, modules/verify/).

Exit 0 on success; 2 on invalid configuration, an output directory that is not ours to
replace, a missing prerequisite of synth or check (the synth extra, Node.js, checkov) or a
file that init would overwrite; 3 when `report --fail-on` finds a change of a refused kind;
1 on anything else (a finding of `check` and a mismatch of `verify` included); main.py adds
130 for Ctrl-C. Only `synth` and `check` import cdktf (the synth extra of the package); the
other commands stay fast and need only the base install. Default paths are relative to the
working directory, so the CLI serves any repository's environments.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from modules import __version__, output_dir
from modules.access_model import environment_access
from modules.access_report import access_report, changes, changes_report
from modules.config.acceptances import AcceptedFindings, load_accepted
from modules.config.model import Environment
from modules.config.schema import schema_text
from modules.config.yaml_source import Source
from modules.errors import ConfigError, Problem
from modules.explain import explain, explanation_json, explanation_markdown
from modules.node_runtime import quiet_end_of_life_banner
from modules.plan_summary import PlanError, load_plan
from modules.plan_summary import summary as plan_summary
from modules.policies.templates import access_levels, default_templates
from modules.prerequisites import MissingPrerequisite, checkov_binary, require_node, require_synth_extra
from modules.progress import Progress
from modules.review_base import base_from_directory, base_from_git
from modules.scan import OWN_CHECKS, ScanError, scan, table, verdict, write_check_reports
from modules.starting_point import StartingPointError, write_starting_point
from modules.validation import load_checked_environments, load_valid_environments

DEFAULT_ENVIRONMENTS = Path("environments")  # relative to the working directory, like every default path
DEFAULT_OUTDIR = "cdktf.out"
DEFAULT_ACCEPTED = Path("security") / "accepted_findings.yaml"
EXIT_INVALID = 2
EXIT_FAILED = 1
EXIT_GATED = 3  # report --fail-on: a change of a kind the caller refuses
EXIT_INTERRUPTED = 130  # the shell's code for SIGINT
FAIL_ON = ("widened", "added", "removed", "data loss")

EXIT_CODES = (
    "exit codes: 0 success; 1 failure (a wrong command line, an unaccepted finding of check, "
    "anything unexpected); 2 invalid configuration, every problem listed on stderr, an output "
    "directory that is not groupfolders' to replace, a missing prerequisite (the synth extra, "
    "Node.js, checkov) or a file that init would overwrite; 3 report --fail-on found such a change; "
    "130 interrupted (Ctrl-C), previous output intact"
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
            "--env",
            action="append",
            default=[],
            metavar="NAME",
            help="only this environment; repeatable (default: every environment in DIR)",
        )
        _input_arguments(command)
        if name != "report":
            command.add_argument(
                "-q", "--quiet", action="store_true", help="no progress lines on stderr (default: shown)"
            )
        if name in ("synth", "check"):
            command.add_argument(
                "--outdir",
                default=None,
                metavar="DIR",
                help=f"output directory (default: $CDKTF_OUTDIR, else ./{DEFAULT_OUTDIR})",
            )
        if name == "check":
            command.add_argument(
                "--report-dir",
                default="reports",
                metavar="DIR",
                help="where check.json and check.sarif are written (default: ./reports)",
            )
            command.add_argument(
                "--accepted-findings",
                type=Path,
                default=None,
                metavar="FILE",
                help="the findings this repository accepts, each with its reason, on top of those "
                f"groupfolders accepts on its own defaults (default: ./{DEFAULT_ACCEPTED}; when it "
                "does not exist, nothing more is accepted)",
            )
            command.add_argument(
                "--checks-dir",
                type=Path,
                default=OWN_CHECKS,
                metavar="DIR",
                help="checkov rules run beside checkov's own (default: groupfolders' checks/, the "
                "CKV_GF_* rules; a directory of your own replaces them, so copy ours into it)",
            )
            command.add_argument(
                "-v",
                "--verbose",
                action="store_true",
                help="print every finding; a passing run otherwise prints only the counts (default: off)",
            )
        if name == "report":
            _report_arguments(command)
    _add_plan_summary(commands)
    _add_explain(commands)
    _add_schema(commands)
    _add_init(commands)
    _add_discover(commands)
    _add_verify(commands)
    return parser


def _input_arguments(command: argparse.ArgumentParser) -> None:
    """Where the configuration is read from: every command that reads environments takes these."""
    command.add_argument(
        "--environments",
        type=Path,
        default=DEFAULT_ENVIRONMENTS,
        metavar="DIR",
        help="directory of environment files <env>.yaml (_*.yaml are bases, not environments) "
        "(default: ./environments)",
    )
    command.add_argument(
        "--templates",
        type=Path,
        default=None,
        metavar="DIR",
        help="the access levels, one <level>.json.j2 each (default: ./templates/policies when "
        "it exists, else groupfolders' own)",
    )
    command.add_argument(
        "--allow-extends-outside",
        action="store_true",
        help="let `extends` read files outside the environments directory (default: refused)",
    )


def _report_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("--format", choices=("md", "json"), default="md", help="output format (default: md)")
    base = command.add_mutually_exclusive_group()
    base.add_argument(
        "--base-environments",
        type=Path,
        default=None,
        metavar="DIR",
        help="print only the changes from the environments in DIR, rendered with the templates/policies/ "
        "beside DIR when there are any (default: the whole report)",
    )
    base.add_argument(
        "--base-ref",
        default=None,
        metavar="REF",
        help="print only the changes from the environments and templates of git revision REF, read "
        "straight from git (default: the whole report)",
    )
    command.add_argument(
        "--fail-on",
        action="append",
        default=[],
        choices=FAIL_ON,
        help=f"exit {EXIT_GATED} when the diff holds such a change; repeatable; needs a base (default: none)",
    )


def run() -> NoReturn:
    """The program (main.py and the `groupfolders` console script): `main`, and Ctrl-C as one line."""
    try:
        code = main()
    except KeyboardInterrupt:
        # Staging directories are gone, and a commit in progress finished before the signal was
        # let through (modules/output_dir.py). Leave at once: a normal exit would stop the jsii
        # kernel, which Ctrl-C reached too, and print its noise.
        print("interrupted: no output directory was left half-written", file=sys.stderr, flush=True)
        os._exit(EXIT_INTERRUPTED)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 - one exit per command and outcome
    arguments = _parser().parse_args(argv if argv is not None else sys.argv[1:])
    command = arguments.command or "synth"
    if command in ("plan-summary", "explain", "schema", "init", "discover", "verify"):
        return _without_environments(command, arguments)
    environments_dir = getattr(arguments, "environments", DEFAULT_ENVIRONMENTS)
    names = getattr(arguments, "env", [])
    progress = Progress(quiet=command == "report" or getattr(arguments, "quiet", False))
    accepted_file = _accepted_file(arguments.accepted_findings) if command == "check" else None
    if command == "check" and accepted_file is not None and not accepted_file.is_file():
        print(
            f"error: {accepted_file}: {'is a directory' if accepted_file.is_dir() else 'no such file'} "
            "(give --accepted-findings FILE, or leave it out: groupfolders' own acceptances alone)",
            file=sys.stderr,
        )
        return EXIT_INVALID
    outside = getattr(arguments, "allow_extends_outside", False)
    try:
        templates = _templates(getattr(arguments, "templates", None))
        with progress.step(f"validating {environments_dir}"):
            checked = load_checked_environments(environments_dir, names, templates, extends_outside=outside)
        environments = tuple(environment for environment, _ in checked)
        if command == "validate":
            print(f"{len(environments)} environment(s) valid: {', '.join(e.name for e in environments)}")
            return 0
        if command == "report":
            return _report(environments, arguments, names, templates)
        # Refused before anything slow: the accepted findings, then where the output goes, then
        # what synthesis and the scan need.
        acceptances = load_accepted(accepted_file) if command == "check" else AcceptedFindings(())
        if command == "check":
            _checks(arguments.checks_dir)
        outdir = _outdir(getattr(arguments, "outdir", None))
        output_dir.check(outdir, environments_dir)
        report_dir = None
        if command == "check":
            report_dir = output_dir.chosen("--report-dir", arguments.report_dir, "reports")
            output_dir.check(report_dir, environments_dir)
        _require_prerequisites(command)
        quiet_end_of_life_banner()  # before the imports below start the jsii kernel
        with progress.step(f"synthesizing {', '.join(e.name for e in environments)} into {outdir}"):
            from modules.summary import synth_summary  # noqa: PLC0415 - cdktf only when synthesizing
            from modules.synth import synthesize  # noqa: PLC0415

            synthesize(environments, outdir, templates, progress)
        print(synth_summary(environments, outdir))
        if report_dir is not None:
            return _check(checked, acceptances, outdir, report_dir, arguments=arguments, progress=progress)
        return 0
    except (ScanError, output_dir.OutputDirError, MissingPrerequisite) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED if isinstance(error, ScanError) else EXIT_INVALID
    except ConfigError as error:
        return _invalid(error)
    except Exception:  # noqa: BLE001 - the contract is exit 1 for anything unexpected
        traceback.print_exc()
        return EXIT_FAILED


def _without_environments(command: str, arguments: argparse.Namespace) -> int:
    """The commands that read no environments directory as a whole."""
    if command == "plan-summary":
        return _plan_summary(arguments.plan, arguments.title)
    if command == "init":
        return _init(arguments.environments)
    if command == "schema":
        print(schema_text(base=arguments.base), end="")
        return 0
    return {"explain": _explain, "discover": _discover, "verify": _verify}[command](arguments)


def _accepted_file(given: Path | None) -> Path | None:
    """--accepted-findings, else ./security/accepted_findings.yaml when it exists, else None."""
    if given is not None:
        return given
    return DEFAULT_ACCEPTED if DEFAULT_ACCEPTED.exists() or DEFAULT_ACCEPTED.is_symlink() else None


def _require_prerequisites(command: str) -> None:
    """Before anything is synthesized: the synth extra, Node.js and, for check, checkov."""
    require_synth_extra(command)
    require_node()
    if command == "check":
        checkov_binary()


def _templates(given: Path | None) -> Path:
    """--templates, else the default; a directory holding at least one access level."""
    templates = given or default_templates()
    if not templates.is_dir() or not access_levels(templates):
        what = "is not a directory" if not templates.is_dir() else "holds no access level (<level>.json.j2)"
        raise ConfigError(
            [Problem("--templates", "", f"{templates} {what}: name the access levels' directory")]
        )
    return templates


def _checks(given: Path) -> Path:
    """--checks-dir: checkov skips a missing directory in silence, which would drop our rules."""
    if not given.is_dir() or not any(given.glob("*.py")):
        what = "is not a directory" if not given.is_dir() else "holds no checkov rule (*.py)"
        raise ConfigError([Problem("--checks-dir", "", f"{given} {what}: name a directory of checkov rules")])
    return given


def _invalid(error: ConfigError) -> int:
    print(f"{len(error.problems)} configuration problem(s):", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_INVALID


def _outdir(given: str | None) -> Path:
    """--outdir, else $CDKTF_OUTDIR (what `cdktf synth` sets), else cdktf.out; never an empty one."""
    if given is not None:
        return output_dir.chosen("--outdir", given, "cdktf.out")
    return output_dir.chosen("CDKTF_OUTDIR", os.environ.get("CDKTF_OUTDIR", "cdktf.out"), "cdktf.out")


def _report(
    environments: Sequence[Environment], arguments: argparse.Namespace, names: Sequence[str], templates: Path
) -> int:
    head = [environment_access(environment, templates) for environment in environments]
    outside = arguments.allow_extends_outside
    if arguments.base_environments is not None:
        base = base_from_directory(
            arguments.base_environments, names, templates=templates, extends_outside=outside
        )
    elif arguments.base_ref is not None:
        base = base_from_git(
            arguments.base_ref, arguments.environments, names, templates=templates, extends_outside=outside
        )
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
    checked: Sequence[tuple[Environment, Source]],
    acceptances: AcceptedFindings,
    outdir: Path,
    report_dir: Path,
    *,
    arguments: argparse.Namespace,
    progress: Progress,
) -> int:
    with progress.step("scanning with checkov and our rules"):
        result = scan(outdir, checked, acceptances, arguments.checks_dir, every_environment=not arguments.env)
    passing = not result.failed
    print(verdict(result) if passing and not arguments.verbose else table(result))
    as_json, as_sarif = write_check_reports(result, report_dir)
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


def _add_explain(commands: argparse._SubParsersAction) -> None:
    text = "say what a member of exactly these groups may do in one environment, and why"
    command = commands.add_parser("explain", help=text, description=text, epilog=EXIT_CODES)
    _input_arguments(command)
    _one_environment(command)
    command.add_argument(
        "--groups",
        required=True,
        metavar="A,B",
        help="the member's groups, comma-separated, e.g. finance,analysts (required, no default)",
    )
    command.add_argument("--format", choices=("md", "json"), default="md", help="output format (default: md)")


def _one_environment(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--env", required=True, metavar="NAME", help="the environment (required, no default)"
    )


def _the_environment(arguments: argparse.Namespace) -> tuple[Environment, Path | None]:
    """The one environment of --env, valid, and the access levels' directory (a ConfigError else)."""
    templates = _templates(arguments.templates)
    (environment,) = load_valid_environments(
        arguments.environments, [arguments.env], templates, extends_outside=arguments.allow_extends_outside
    )
    return environment, templates


def _explain(arguments: argparse.Namespace) -> int:
    groups = [name.strip() for name in arguments.groups.split(",") if name.strip()]
    try:
        environment, templates = _the_environment(arguments)
        found = explain(environment, environment_access(environment, templates), groups)
    except ConfigError as error:
        return _invalid(error)
    print(explanation_markdown(found) if arguments.format == "md" else explanation_json(found), end="")
    return 0


def _add_schema(commands: argparse._SubParsersAction) -> None:
    text = "print the JSON Schema of an environment file (committed as schema/environment.schema.json)"
    command = commands.add_parser(
        "schema", help=text, description=text, epilog="exit codes: 0 printed; 1 a wrong command line"
    )
    command.add_argument(
        "--base",
        action="store_true",
        help="the variant for base files (_*.yaml), where nothing is required (default: off)",
    )


def _add_discover(commands: argparse._SubParsersAction) -> None:
    text = "read an existing user pool, bucket and identity pool (read-only) into an environment YAML"
    command = commands.add_parser(
        "discover",
        help=text,
        description=f"{text} that adopts them: groups, their folders, access levels inferred from "
        "their roles' policies where one matches a template exactly. Needs boto3: "
        "pip install 'groupfolders[aws]'.",
        epilog="exit codes: 0 written; 1 a wrong command line; 2 AWS unreachable or refused, boto3 "
        "missing, or --output names a file discover did not write",
    )
    command.add_argument(
        "--user-pool-id", required=True, metavar="ID", help="the user pool (required, no default)"
    )
    command.add_argument("--bucket", required=True, metavar="NAME", help="the bucket (required, no default)")
    command.add_argument(
        "--identity-pool-id", default=None, metavar="ID", help="the identity pool (default: none; a new one)"
    )
    command.add_argument(
        "--region", default=None, metavar="R", help="AWS region (default: the user pool id's)"
    )
    command.add_argument(
        "--output", type=Path, default=None, metavar="FILE", help="write FILE (default: standard output)"
    )
    command.add_argument(
        "--templates", type=Path, default=None, metavar="DIR", help="the access levels (default: as validate)"
    )


def _discover(arguments: argparse.Namespace) -> int:
    from modules.discover.command import Request, discover  # noqa: PLC0415 - only this command

    try:
        templates = _templates(arguments.templates)
    except ConfigError as error:
        return _invalid(error)
    return discover(
        Request(
            user_pool_id=arguments.user_pool_id,
            bucket=arguments.bucket,
            identity_pool_id=arguments.identity_pool_id,
            region=arguments.region,
            output=arguments.output,
            templates=templates,
        )
    )


def _add_verify(commands: argparse._SubParsersAction) -> None:
    text = "prove on AWS that the deployed environment does what the report says"
    command = commands.add_parser(
        "verify",
        help=text,
        description=f"{text}: sign in a test user per group (and per member set the report singles "
        "out), get identity-pool credentials as an app does, probe S3 in every folder, and compare with "
        "the access model. Needs boto3: pip install 'groupfolders[aws]'.",
        epilog="exit codes: 0 observed equals expected; 1 a mismatch (each listed) or a wrong command "
        "line; 2 invalid configuration, AWS unreachable or refused, boto3 missing",
    )
    _input_arguments(command)
    _one_environment(command)
    command.add_argument(
        "--users",
        type=Path,
        default=None,
        metavar="FILE",
        help="test users to sign in (YAML: users: [{groups: [..], username: U, password_env: VAR}]) "
        "(default: create one per member set with the admin API, deleted afterwards)",
    )
    command.add_argument(
        "--read-only", action="store_true", help="list and read only, write nothing (default: off)"
    )
    command.add_argument("--format", choices=("md", "json"), default="md", help="output format (default: md)")


def _verify(arguments: argparse.Namespace) -> int:
    from modules.verify.command import verify  # noqa: PLC0415 - only this command needs AWS

    try:
        environment, templates = _the_environment(arguments)
    except ConfigError as error:
        return _invalid(error)
    return verify(
        environment,
        environment_access(environment, templates),
        users=arguments.users,
        read_only=arguments.read_only,
        output=arguments.format,
    )


def _add_init(commands: argparse._SubParsersAction) -> None:
    text = (
        "write a starting point into the working directory: an example environment (when DIR holds "
        "none), the schema files, a .gitignore and an accepted-findings file; overwrites nothing"
    )
    command = commands.add_parser(
        "init",
        help=text,
        description=text,
        epilog="exit codes: 0 written; 1 a wrong command line; 2 one of the files exists (nothing written)",
    )
    command.add_argument(
        "--environments",
        type=Path,
        default=DEFAULT_ENVIRONMENTS,
        metavar="DIR",
        help=f"where the example environment goes (default: ./{DEFAULT_ENVIRONMENTS})",
    )


def _init(environments: Path) -> int:
    try:
        written = write_starting_point(environments)
    except StartingPointError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    for path in written:
        print(f"wrote {path.as_posix()}")
    print("next: `groupfolders validate`, then `groupfolders check` (needs the synth extra and checkov)")
    return 0
