"""The wheel's layout: one import name, `groupfolders`, holding this checkout's tree.

The checkout imports `modules.x` and finds templates/, checks/ and security/ beside modules/
(Path(__file__).parents). Installed as they are, `modules`, `templates` and `checks` would be
top-level names in site-packages, where any other package of such a name collides. The build
lays the same tree out one level down (groupfolders/modules, groupfolders/templates, ...) and
rewrites each absolute `from modules... import` of the built copies to
`from groupfolders.modules... import`, so the parents-relative paths keep working unchanged.
The checkout itself is never installed (the Makefile's .venv/bin/groupfolders runs main.py).
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PACKAGE = "groupfolders"
OWN_TREE = "modules"
INIT = '"""groupfolders: its modules/, templates/, checks/ and security defaults, installed."""\n'


def remove_earlier_build(built: Path) -> None:
    """An earlier build's tree goes, and only when its __init__.py (INIT, which only this build
    step writes) proves it ours; anything else there is refused, never deleted."""
    if not built.exists() and not built.is_symlink():
        return
    marker = built / "__init__.py"
    if built.is_symlink() or not marker.is_file() or marker.read_text(encoding="utf-8") != INIT:
        raise SystemExit(f"{built} was not written by this build: move it away, then build again")
    shutil.rmtree(built)


class ImportRewriteError(Exception):
    """A form of import of the own tree that the rewrite does not handle."""


def rewrite_imports(source: str, file: str) -> str:
    """`source` with every absolute `from modules[.x] import ...` made `from groupfolders.modules[.x]
    import ...`; nothing else changes. `import modules.x` is refused (it binds the name `modules`)."""
    lines = source.splitlines(keepends=True)
    for node in ast.walk(ast.parse(source, file)):
        if isinstance(node, ast.Import) and any(_own(alias.name) for alias in node.names):
            raise ImportRewriteError(f"{file}:{node.lineno}: write `from {OWN_TREE}... import`, not `import`")
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _own(node.module):
            line = lines[node.lineno - 1]
            start = line.index("from", node.col_offset) + len("from")
            at = line.index(OWN_TREE, start)
            lines[node.lineno - 1] = f"{line[:at]}{PACKAGE}.{line[at:]}"
    return "".join(lines)


def _own(module: str) -> bool:
    return module == OWN_TREE or module.startswith(f"{OWN_TREE}.")


class BuildPy(build_py):
    """setuptools' build_py for the `groupfolders` layout (package-dir in pyproject.toml)."""

    def find_package_modules(self, package: str, package_dir: str) -> list[tuple[str, str, str]]:
        # The root package maps to the checkout's root: its main.py is not part of the package,
        # and its __init__.py is written by run().
        return [] if package == PACKAGE else super().find_package_modules(package, package_dir)

    def check_package(self, package: str, package_dir: str) -> str | None:
        return None if package == PACKAGE else super().check_package(package, package_dir)

    def build_module(self, module: str, module_file: str, package: str | list[str]) -> tuple[str, int]:
        parts = package.split(".") if isinstance(package, str) else list(package)
        outfile = Path(self.get_module_outfile(self.build_lib, parts, module))
        outfile.parent.mkdir(parents=True, exist_ok=True)
        outfile.write_text(rewrite_imports(Path(module_file).read_text(encoding="utf-8"), module_file))
        return str(outfile), 1

    def run(self) -> None:
        # A module removed from the checkout must not linger in the wheel from an earlier build.
        remove_earlier_build(Path(self.build_lib) / PACKAGE)
        super().run()
        init = Path(self.build_lib) / PACKAGE / "__init__.py"
        init.parent.mkdir(parents=True, exist_ok=True)
        init.write_text(INIT)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        init = str(Path(self.build_lib) / PACKAGE / "__init__.py")
        return sorted({*super().get_outputs(include_bytecode), init})


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildPy})
