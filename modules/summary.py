"""The per-environment summary printed after a synth."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from modules import naming
from modules.adoption import IMPORTS_FILE
from modules.config.model import Environment
from modules.output_dir import terraform_files


def stack_file(outdir: Path, environment: str) -> Path:
    return outdir / "stacks" / environment / "cdk.tf.json"


def resource_count(stack: dict) -> int:
    return sum(len(blocks) for blocks in stack.get("resource", {}).values())


def synth_summary(environments: Sequence[Environment], outdir: Path) -> str:
    lines = []
    for environment in environments:
        path = stack_file(outdir, environment.name)
        stack = json.loads(path.read_text())
        imports = path.parent / IMPORTS_FILE
        imported = imports.read_text().count("\nimport {") if imports.exists() else 0
        lines.append(
            f"{environment.name}: {len(environment.groups)} groups, {resource_count(stack)} resources"
            + (f" ({imported} imported, see {IMPORTS_FILE})" if imported else "")
            + f" -> {path}"
        )
        for group in environment.groups_by_name:
            folders, role = ", ".join(group.folders), naming.group_role_name(environment, group)
            lines.append(f"  {group.name:<16} {group.access:<18} {role:<40} {folders}")
    lines.extend(_kept_stacks(environments, outdir))
    return "\n".join(lines)


def _kept_stacks(environments: Sequence[Environment], outdir: Path) -> list[str]:
    """Stacks not synthesized this time whose directory still holds Terraform's files (state)."""
    synthesized = {environment.name for environment in environments}
    kept: dict[str, list[str]] = {}
    for name in terraform_files(outdir):
        _, stack, file = name.split("/")
        if stack not in synthesized:
            kept.setdefault(stack, []).append(file)
    return [
        f"{stack}: not synthesized, no cdk.tf.json; {outdir / 'stacks' / stack} keeps Terraform's "
        f"{', '.join(files)}"
        for stack, files in kept.items()
    ]
