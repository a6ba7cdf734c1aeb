"""The flow goes one way: YAML → model → documents/names → constructs → JSON → scan.

Each module of `modules/` has a stage; a module may import only modules of its own or an
earlier stage, without cycles, and only the construct stages may import cdktf.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from tests.conftest import PROJECT

MODULES = PROJECT / "modules"
STAGES: dict[str, int] = {
    "errors": 0,
    "markdown": 0,
    "bounded_json": 0,
    "output_dir": 0,
    "jsii_package": 0,
    "node_runtime": 0,
    "config": 1,
    "limits": 0,
    "naming": 2,
    "adoption": 3,
    "outputs": 2,
    "folders": 2,
    "across_environments": 3,
    "resource_origins": 3,
    "policies": 3,
    "unlisted_groups": 3,
    "access_model": 4,
    "validation": 4,
    "access_report": 5,
    "group_sets": 5,
    "explain": 5,
    "client_config": 5,
    "reference_auth": 5,
    "review_base": 5,
    "aws": 6,
    "constructs": 7,
    "stack": 8,
    "synth": 9,
    "summary": 9,
    "scan": 10,
    "progress": 0,
    "prerequisites": 0,
    "starting_point": 1,
    "plan_summary": 0,
    "sdk": 0,
    "discover": 5,
    "verify": 5,
    "cli": 11,
}
FIRST_CDKTF_STAGE = STAGES["aws"]


def _stage(module: str) -> int:
    part = module.split(".")[1] if module.startswith("modules.") else module
    if part not in STAGES:
        pytest.fail(f"modules.{part} has no stage in tests/test_layers.py: give it one")
    return STAGES[part]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            found.update(n for n in names if n.startswith("modules.") and _is_module(n))
            found.update(n for n in (node.module,) if not n.startswith("modules."))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _is_module(name: str) -> bool:
    path = PROJECT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = {_module_name(p): p for p in sorted(MODULES.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(n for n in SOURCES if n != "modules"))
def test_imports_point_to_earlier_stages(module):
    later = sorted(
        imported
        for imported in _imports(SOURCES[module])
        if imported.startswith("modules.") and _stage(imported) > _stage(module)
    )
    assert later == [], f"{module} imports a later stage"
    cdktf = sorted(i for i in _imports(SOURCES[module]) if i.split(".")[0] in ("cdktf", "constructs"))
    if _stage(module) < FIRST_CDKTF_STAGE:
        assert cdktf == [], f"{module} imports cdktf before the construct stages"


def test_only_the_bindings_module_imports_the_provider():
    importers = sorted(
        name
        for name, path in SOURCES.items()
        if any(i.startswith("cdktf_cdktf_provider_aws") for i in _imports(path))
    )
    assert importers == ["modules.aws"]


def test_there_is_no_import_cycle():
    graph = {name: {i for i in _imports(path) if i in SOURCES} for name, path in SOURCES.items()}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        pytest.fail(f"import cycle: {error.args[1]}")


def test_the_stage_check_catches_an_upward_import(tmp_path):
    module = tmp_path / "x.py"
    module.write_text("from modules.stack import GroupFoldersStack\nimport cdktf\n")
    assert _imports(module) == {"modules.stack", "cdktf"}
    assert _stage("modules.stack") > _stage("modules.config.model")
