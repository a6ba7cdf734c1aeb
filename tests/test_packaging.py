"""The wheel's layout (setup.py): the checkout's `from modules... import` lines become
`from groupfolders.modules... import` in the built copies, and nothing else changes."""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import PROJECT


def setup_module_() -> ModuleType:
    spec = importlib.util.spec_from_file_location("groupfolders_setup", PROJECT / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # setup() runs only as __main__
    return module


SETUP = setup_module_()


def test_absolute_imports_of_the_own_tree_move_into_the_package():
    source = (
        '"""from modules import x stays in a docstring."""\n'
        "from __future__ import annotations\n"
        "from modules import output_dir\n"
        "from modules.config.model import (\n    Environment,\n)\n"
        "from modulesextra import y\n"
        "from .sibling import z\n"
        "def late():\n    from modules.synth import synthesize  # noqa: PLC0415\n"
    )
    assert SETUP.rewrite_imports(source, "x.py") == (
        '"""from modules import x stays in a docstring."""\n'
        "from __future__ import annotations\n"
        "from groupfolders.modules import output_dir\n"
        "from groupfolders.modules.config.model import (\n    Environment,\n)\n"
        "from modulesextra import y\n"
        "from .sibling import z\n"
        "def late():\n    from groupfolders.modules.synth import synthesize  # noqa: PLC0415\n"
    )


def test_an_import_statement_of_the_own_tree_is_refused():
    with pytest.raises(
        SETUP.ImportRewriteError, match=r"^x\.py:2: write `from modules\.\.\. import`, not `import`$"
    ):
        SETUP.rewrite_imports("import os\nimport modules.scan\n", "x.py")


def absolute_imports(source: str) -> list[str]:
    tree = ast.parse(source)
    return [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0
    ]


@pytest.mark.parametrize("path", sorted(p.relative_to(PROJECT) for p in (PROJECT / "modules").rglob("*.py")))
def test_every_module_rewrites_into_one_that_imports_no_top_level_modules(path: Path):
    source = (PROJECT / path).read_text()
    before = absolute_imports(source)
    after = absolute_imports(SETUP.rewrite_imports(source, str(path)))
    assert [name for name in after if name.split(".")[0] == "modules"] == []
    assert after == [f"groupfolders.{name}" if name.split(".")[0] == "modules" else name for name in before]


def test_every_package_of_the_tree_is_in_the_wheel():
    """A subpackage missing from pyproject's list is missing from the wheel (discover, verify
    were): every directory of modules/ with an __init__.py is listed."""
    listed = set(tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    tree = {
        "groupfolders." + ".".join(init.parent.relative_to(PROJECT).parts)
        for init in (PROJECT / "modules").rglob("__init__.py")
    }
    assert tree - listed == set()
