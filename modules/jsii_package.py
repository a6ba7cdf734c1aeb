"""A jsii-generated binding package, imported one submodule at a time.

jsii's Python packages load their assembly in `<package>/_jsii/__init__.py`, and the
package's own `__init__.py` does little else than import every submodule: 2,212 of them
for the AWS provider (10-25 s), when groupfolders uses 24. Each submodule needs only
`.._jsii`, so the package can be entered without running its `__init__`: the module is
created from the package's own spec (its `__path__` is the installed directory, nothing is
copied or patched), the assembly is loaded once, and `import <package>.<submodule>` then
loads that submodule alone.

Only a package whose `__init__` does nothing a submodule could miss is entered this way;
anything else is imported normally, after one line on stderr.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path

ASSEMBLY_MODULE = "_jsii"
# Top-level definitions of the generated `__init__` that submodules define for themselves.
_OWN_NAMES = frozenset({"__path__", "__all__", "TYPEGUARD_MAJOR_VERSION", "check_type"})


def enter_without_init(package: str) -> None:
    """Make `import <package>.<submodule>` load that submodule and the package's assembly only."""
    if package in sys.modules:
        return
    spec = importlib.util.find_spec(package)
    unexpected = _unexpected_layout(spec)
    if unexpected is None and spec is not None:
        sys.modules[package] = importlib.util.module_from_spec(spec)
        try:
            importlib.import_module(f"{package}.{ASSEMBLY_MODULE}")
            return
        except ImportError as error:
            del sys.modules[package]
            unexpected = f"{package}.{ASSEMBLY_MODULE} does not import ({error})"
    print(
        f"groupfolders: {unexpected}; importing all of {package} instead (slower)",
        file=sys.stderr,
    )
    importlib.import_module(package)


def _unexpected_layout(spec: ModuleSpec | None) -> str | None:
    """What differs from a jsii package that can be entered without its `__init__`, if anything."""
    if spec is None:
        return "package not found"
    locations = list(spec.submodule_search_locations or [])
    if len(locations) != 1 or spec.origin is None:
        return f"{spec.name} is not a package in one directory"
    if not (Path(locations[0]) / ASSEMBLY_MODULE / "__init__.py").is_file():
        return f"{spec.name} has no {ASSEMBLY_MODULE}/__init__.py"
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    extra = [node for node in tree.body if not _skippable(node)]
    if extra:
        return f"{spec.name}/__init__.py does more than import its submodules (line {extra[0].lineno})"
    return None


def _skippable(node: ast.stmt) -> bool:
    """A statement of the generated `__init__` whose effect no submodule depends on."""
    match node:
        case ast.Import() | ast.ImportFrom(level=0) | ast.ImportFrom(level=1, module=None):
            return True  # absolute imports (each submodule has its own) and `from . import <submodule>`
        case ast.ImportFrom(level=1, module=module, names=[ast.alias(name="*")]):
            return module == ASSEMBLY_MODULE  # re-exports the assembly, which is loaded on its own
        case ast.Assign(targets=[ast.Name(id=name)]) | ast.FunctionDef(name=name):
            return name in _OWN_NAMES
        case (
            ast.Expr(value=ast.Constant(value=str()))
            | ast.Expr(value=ast.Call(func=ast.Attribute(value=ast.Name(id="publication"), attr="publish")))
        ):
            return True  # the docstring; publish() only hides names of the package module
    return False
