"""The provider bindings, loaded one submodule at a time, are the classes the normal import gives.

modules/aws.py enters cdktf_cdktf_provider_aws without its eager `__init__`
(modules/jsii_package.py). Against a process that imports the package the normal way: the
same jsii types, byte-identical stacks. Against packages laid out otherwise: one line on
stderr, then the normal import.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modules.jsii_package import enter_without_init
from tests.conftest import EAGER_PROCESS_KEY, PROJECT, tree

PACKAGE = "cdktf_cdktf_provider_aws"
SUBMODULES_IN_PACKAGE = 2212

EAGER_PROCESS = """\
import json, sys, tempfile
from pathlib import Path

import cdktf_cdktf_provider_aws  # the normal import: every submodule

import modules.aws as aws
from modules.synth import synthesize
from modules.validation import load_valid_environments
from tests.test_aws_bindings import output_files

with tempfile.TemporaryDirectory() as directory:
    synthesize(load_valid_environments(Path("environments")), Path(directory) / "cdktf.out")
    files = output_files(Path(directory) / "cdktf.out")
print(json.dumps({
    "types": {name: getattr(aws, name).__jsii_type__ for name in aws.__all__},
    "loaded": sum(name.startswith("cdktf_cdktf_provider_aws.") for name in sys.modules),
    "files": files,
}))
"""


def start_eager_process() -> subprocess.Popen[str]:
    """A process that imports the whole package, then synthesizes the examples (10-25 s).

    conftest starts it once the tests are collected and runs the tests that read it last,
    so that it runs beside the rest of the suite.
    """
    return subprocess.Popen(
        [sys.executable, "-c", EAGER_PROCESS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )


def loaded_submodules() -> set[str]:
    """Submodules of the package in this process (publication moves each one's private names to
    a `<submodule>._private` twin)."""
    return {name for name in sys.modules if name.startswith(f"{PACKAGE}.")}


def output_files(outdir: Path) -> dict[str, str]:
    """Every file under `outdir` (the Lambda's zip included) by relative path, its bytes in hex:
    JSON carries them from the eager process."""
    return {name: content.hex() for name, content in tree(outdir).items()}


@pytest.fixture(scope="session")
def eager(request: pytest.FixtureRequest) -> dict[str, Any]:
    """jsii types and a synth of the examples from a process that imported the whole package."""
    process = request.config.stash.get(EAGER_PROCESS_KEY, None) or start_eager_process()
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-3000:]
    return {**json.loads(stdout.splitlines()[-1]), "stderr": stderr}


def test_lazy_classes_have_the_jsii_types_of_the_normal_import(eager):
    from modules import aws  # noqa: PLC0415 - the lazy import, in this process

    lazy = {name: getattr(aws, name).__jsii_type__ for name in aws.__all__}
    assert lazy == eager["types"]
    assert all(fqn.startswith("@cdktf/provider-aws.") for fqn in lazy.values())
    assert eager["loaded"] >= SUBMODULES_IN_PACKAGE  # the other side really imported everything
    used = {getattr(aws, name).__module__ for name in aws.__all__} | {f"{PACKAGE}._jsii"}
    assert loaded_submodules() == {
        part for module in used for part in (module, f"{module}._private")
    }  # ...this one not


def test_synth_with_the_normal_import_is_byte_identical(eager, example_out: Path):
    files = output_files(example_out)
    assert {"stacks/dev/cdk.tf.json", "stacks/prod/cdk.tf.json", "stacks/staging/cdk.tf.json"} <= set(files)
    assert eager["files"] == files
    assert "groupfolders:" not in eager["stderr"]  # the already-imported package is used as it is


# --- packages laid out as expected, and otherwise (small stand-ins built per test)

GENERATED_INIT = '''\
r"""A stand-in for a jsii-generated package."""
from pkgutil import extend_path
__path__ = extend_path(__path__, __name__)

import publication

from .{assembly} import *

__all__ = ["alpha", "beta"]

from . import alpha
from . import beta
{extra}
publication.publish()
'''
SUBMODULE = (
    'from ..{assembly} import *\n\nclass {name}:\n    assembly = __jsii_assembly__\n\n__all__ = ["{name}"]\n'
)

ASSEMBLY = '__jsii_assembly__ = object()\n__all__ = ["__jsii_assembly__"]\n'


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request) -> Iterator[Any]:
    """Write a package named after the test; forget it from sys.modules afterwards."""
    name = "standin_" + "".join(c if c.isalnum() else "_" for c in request.node.name)
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(extra: str = "", assembly: str = "_jsii", assembly_code: str = ASSEMBLY) -> str:
        package = tmp_path / name
        for directory, text in (
            (package, GENERATED_INIT.format(assembly=assembly, extra=extra)),
            (package / "alpha", SUBMODULE.format(assembly=assembly, name="Alpha")),
            (package / "beta", SUBMODULE.format(assembly=assembly, name="Beta")),
            (package / assembly, assembly_code),
        ):
            directory.mkdir()
            (directory / "__init__.py").write_text(text)
        return name

    yield write
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def warning(reason: str, name: str) -> str:
    return f"groupfolders: {reason}; importing all of {name} instead (slower)\n"


def test_an_expected_layout_loads_the_submodule_asked_for_only(stand_in, capsys):
    name = stand_in()
    enter_without_init(name)
    alpha = importlib.import_module(f"{name}.alpha")
    assert alpha.Alpha.assembly is sys.modules[f"{name}._jsii"].__jsii_assembly__
    assert f"{name}.beta" not in sys.modules
    assert not hasattr(sys.modules[name], "__all__")  # its __init__ never ran
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("layout", "reason"),
    [
        ({"extra": "SHARED = 1\n"}, "{name}/__init__.py does more than import its submodules (line 13)"),
        ({"assembly": "_runtime"}, "{name} has no _jsii/__init__.py"),
    ],
    ids=["init-does-more", "assembly-elsewhere"],
)
def test_another_layout_warns_in_one_line_and_imports_normally(stand_in, capsys, layout, reason):
    name = stand_in(**layout)
    enter_without_init(name)
    package = sys.modules[name]
    assert package.__all__ == ["alpha", "beta"]  # its __init__ ran...
    assert package.alpha.Alpha.assembly is package.beta.Beta.assembly  # ...and imported everything
    assert capsys.readouterr().err == warning(reason.format(name=name), name)


def test_an_assembly_that_does_not_import_alone_warns_then_fails_as_the_normal_import(stand_in, capsys):
    name = stand_in(assembly_code="import no_such_module_here\n")
    with pytest.raises(ModuleNotFoundError, match=r"^No module named 'no_such_module_here'$"):
        enter_without_init(name)
    reason = f"{name}._jsii does not import (No module named 'no_such_module_here')"
    assert capsys.readouterr().err == warning(reason, name)
    assert name not in sys.modules  # nothing half-entered is left behind
