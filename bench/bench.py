"""`make bench`: our synth against a hand-written CDKTF program, validation at scale, checkov per stack.

Every measurement is one whole process, started fresh (Python and the Node.js jsii kernel it
runs): wall time from time.perf_counter around it, peak memory as the largest resident set
of that process tree (os.wait4's ru_maxrss, what `/usr/bin/time -v` prints). Each figure is
the median of --repeat runs.

    python bench/bench.py [--repeat 3] [--sizes 10,100,1000] [--validate-sizes 100,1000,5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))  # run as a script: make the project importable

from modules.limits import ROLES_PER_ACCOUNT  # noqa: E402
from modules.scan import checkov_report  # noqa: E402

PLAIN_PROGRAM = PROJECT / "bench" / "plain_program.py"
RAISED_ROLE_QUOTA = 5_000  # how far IAM's roles-per-account quota can be raised
SKIPPED = "skipped (needs limits.iam_roles_per_account)"
TARGETS = {"ratio": 0.3, "peak_mb": 700, "validate_1000": 1.0, "validate_5000": 2.0, "check": 12.0}


@dataclass(frozen=True)
class Measure:
    seconds: float
    peak_mb: float
    exit_code: int


def measure(command: Sequence[str]) -> Measure:
    """Run `command` in the project directory; its wall time and its tree's peak resident set."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measure(seconds, usage.ru_maxrss / 1024, process.returncode)  # ru_maxrss is in KiB


def median_of(repeat: int, run: Callable[[], Measure]) -> Measure:
    runs = [run() for _ in range(repeat)]
    return Measure(
        statistics.median(r.seconds for r in runs),
        statistics.median(r.peak_mb for r in runs),
        max(r.exit_code for r in runs),
    )


def groups_file(directory: Path, count: int, raised_quota: bool) -> Path:
    """An environment `bench` with `count` read-only groups, each in its own folder."""
    settings: dict = {
        "app": "bench",
        "region": "eu-west-1",
        "user_pool": {"name": "bench-pool"},
        "bucket": {"name": "bench-groupfolders-files"},
        "groups": [{"name": f"t{i:05d}", "access": "read", "precedence": i} for i in range(count)],
    }
    if raised_quota:
        settings["limits"] = {"iam_roles_per_account": RAISED_ROLE_QUOTA}
    environments = directory / f"groups-{count}"
    environments.mkdir(parents=True)
    # One line per group: 5,000 groups stay under the loader's 256 KiB file limit.
    (environments / "bench.yaml").write_text(
        yaml.safe_dump(settings, sort_keys=False, default_flow_style=None)
    )
    return environments


def needs_raised_quota(count: int) -> bool:
    return count + 1 > ROLES_PER_ACCOUNT  # one role per group, one for users without a group


def quota_can_be_raised(directory: Path) -> bool:
    """Whether this version of the config model knows `limits.iam_roles_per_account`."""
    probe = groups_file(directory, 1, raised_quota=True)
    return measure([sys.executable, "main.py", "validate", "--environments", str(probe)]).exit_code == 0


def validate(environments: Path) -> Measure:
    return measure([sys.executable, "main.py", "validate", "--environments", str(environments)])


def synth_ours(environments: Path, outdir: Path) -> Measure:
    command = ["main.py", "synth", "--environments", str(environments), "--outdir", str(outdir)]
    return measure([sys.executable, *command])


def synth_plain(environments: Path, outdir: Path) -> Measure:
    return measure([sys.executable, str(PLAIN_PROGRAM), str(environments / "bench.yaml"), str(outdir)])


@dataclass(frozen=True)
class Comparison:
    ours: Measure
    plain: Measure

    @property
    def ratio(self) -> float:
        return self.ours.seconds / self.plain.seconds


def synth_table(sizes: Sequence[int], repeat: int, work: Path, raisable: bool) -> dict[int, Comparison]:
    print(f"synth, whole process (median of {repeat}; peak = largest process of the tree)")
    print(f"{'groups':>7} {'ours':>9} {'peak':>8} {'plain':>9} {'peak':>8} {'ours/plain':>11}")
    compared: dict[int, Comparison] = {}
    for count in sizes:
        if needs_raised_quota(count) and not raisable:
            print(f"{count:>7} {SKIPPED}")
            continue
        environments = groups_file(work, count, raised_quota=needs_raised_quota(count))
        ours = median_of(repeat, lambda e=environments: synth_ours(e, work / "ours"))
        plain = median_of(repeat, lambda e=environments: synth_plain(e, work / "plain"))
        if ours.exit_code or plain.exit_code:
            print(f"{count:>7} failed (exit {ours.exit_code} ours, {plain.exit_code} plain)")
            continue
        compared[count] = Comparison(ours, plain)
        print(
            f"{count:>7} {ours.seconds:>7.1f} s {ours.peak_mb:>5.0f} MB {plain.seconds:>7.1f} s "
            f"{plain.peak_mb:>5.0f} MB {compared[count].ratio:>11.2f}"
        )
    return compared


def validate_table(sizes: Sequence[int], repeat: int, work: Path, raisable: bool) -> dict[int, float]:
    print(f"\nvalidate, whole process (median of {repeat})")
    seconds: dict[int, float] = {}
    for count in sizes:
        environments = groups_file(work, count, raised_quota=raisable and needs_raised_quota(count))
        result = median_of(repeat, lambda e=environments: validate(e))
        seconds[count] = result.seconds
        verdict = "valid" if result.exit_code == 0 else f"refused (exit {result.exit_code})"
        print(f"{count:>7} groups {result.seconds:>7.2f} s  {verdict}")
    return seconds


def checkov_table(repeat: int, work: Path) -> float:
    """checkov per example stack, then what `make synth` runs (validate, synth, checkov) warm."""
    print(f"\ncheckov per example stack (median of {repeat})")
    examples = work / "examples"
    synth_ours(PROJECT / "environments", examples)
    for stack in sorted((examples / "stacks").iterdir()):
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            checkov_report(stack)
            runs.append(time.perf_counter() - start)
        print(f"{stack.name:>7} {statistics.median(runs):>7.1f} s")
    command = ["main.py", "check", "--outdir", str(work / "check"), "--report-dir", str(work / "reports")]
    check = median_of(repeat, lambda: measure([sys.executable, *command]))
    print(
        f"`make synth` (main.py check of the examples, warm): {check.seconds:.1f} s, exit {check.exit_code}"
    )
    return check.seconds


def verdict(name: str, value: float | None, target: float, unit: str) -> str:
    if value is None:
        return f"{name}: not measured (target <= {target:g}{unit})"
    return f"{name}: {value:.2f}{unit} (target <= {target:g}{unit}) {'met' if value <= target else 'MISSED'}"


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        "unknown CPU",
    )  # fmt: skip
    return f"{os.cpu_count()} cores ({cpu}), Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is shown)")
    parser.add_argument("--sizes", default="10,100,1000", help="group counts to synthesize")
    parser.add_argument("--validate-sizes", default="100,1000,5000", help="group counts to validate")
    arguments = parser.parse_args(argv)
    sizes = [int(size) for size in arguments.sizes.split(",")]
    validate_sizes = [int(size) for size in arguments.validate_sizes.split(",")]
    print(f"machine: {machine()}\n")
    with tempfile.TemporaryDirectory(prefix="groupfolders-bench-") as directory:
        work = Path(directory)
        raisable = quota_can_be_raised(work / "probe")
        compared = synth_table(sizes, arguments.repeat, work / "synth", raisable)
        seconds = validate_table(validate_sizes, arguments.repeat, work / "validate", raisable)
        check = checkov_table(arguments.repeat, work / "checkov")
    print("\ntargets")
    for count in (100, 1000):
        ratio = compared[count].ratio if count in compared else None
        print(verdict(f"synth ours/plain at {count} groups", ratio, TARGETS["ratio"], ""))
    peak = max((c.ours.peak_mb for c in compared.values()), default=None)
    print(verdict("synth peak memory", peak, TARGETS["peak_mb"], " MB"))
    for count in (1000, 5000):
        print(verdict(f"validate at {count} groups", seconds.get(count), TARGETS[f"validate_{count}"], " s"))
    print(verdict("warm `make synth`", check, TARGETS["check"], " s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
