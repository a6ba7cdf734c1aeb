"""The wheel's layout (setup.py): the checkout's `from modules... import` lines become
`from groupfolders.modules... import` in the built copies, and nothing else changes."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from tests.conftest import PROJECT
from tests.setup_script import SETUP


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


def test_an_earlier_build_goes_only_when_its_marker_proves_it_ours(tmp_path: Path):
    ours = tmp_path / "ours"
    (ours / "modules").mkdir(parents=True)
    (ours / "__init__.py").write_text(SETUP.INIT)
    (ours / "modules" / "gone.py").write_text("")
    SETUP.remove_earlier_build(ours)
    assert not ours.exists()
    SETUP.remove_earlier_build(ours)  # nothing there: nothing to do
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "__init__.py").write_text("someone else's\n")
    with pytest.raises(SystemExit) as refused:
        SETUP.remove_earlier_build(theirs)
    assert str(refused.value) == f"{theirs} was not written by this build: move it away, then build again"
    assert (theirs / "__init__.py").read_text() == "someone else's\n"
