"""setup.py loaded as a module (its setup() runs only as __main__), for the tests of the build."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tests.conftest import PROJECT


def setup_module_() -> ModuleType:
    spec = importlib.util.spec_from_file_location("groupfolders_setup", PROJECT / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SETUP = setup_module_()
