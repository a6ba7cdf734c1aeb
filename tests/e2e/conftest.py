"""`make e2e`: each example environment deployed on a local AWS emulator, once per session.

Each environment has its own emulator and its own xdist worker (the xdist_group of its
tests), so the four applies, which mostly wait on the provider, run side by side.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from modules.access_model import EnvironmentAccess, environment_access
from modules.config.model import Environment
from modules.validation import load_valid_environments
from tests.conftest import EXAMPLES, PROJECT
from tests.e2e import emulator, tooling
from tests.e2e.deployment import Deployment, prepare, synthesize
from tests.e2e.probes import Probe, create_existing_pool, empty_bucket, run


@dataclass
class Deployed:
    name: str  # the environment, or the variant's label
    environment: Environment
    access: EnvironmentAccess  # the access model of the shipped templates
    emulator: emulator.Emulator
    deployment: Deployment
    stack: Path  # the synthesized stack (before the test copy's rewrites)
    timings: dict[str, float] = field(default_factory=dict)
    _probe: Probe | None = None

    @property
    def outputs(self) -> dict[str, Any]:
        return self.deployment.outputs()

    def probe(self) -> Probe:
        if self._probe is None:
            started = time.monotonic()
            self._probe = run(
                self.emulator.endpoint, self.environment, self.access, self.outputs, self.function_name
            )
            self.timings["probes"] = time.monotonic() - started
        return self._probe

    @property
    def function_name(self) -> str | None:
        import json  # noqa: PLC0415

        stack = json.loads((self.deployment.directory / "cdk.tf.json").read_text())
        functions = stack["resource"].get("aws_lambda_function", {})
        return next((f["function_name"] for f in functions.values()), None)

    def destroy(self) -> None:
        empty_bucket(self.emulator.endpoint, self.access.bucket)
        empty_bucket(self.emulator.endpoint, f"{self.access.bucket}-logs")
        started = time.monotonic()
        done = self.deployment.terraform("destroy", "-auto-approve")
        self.timings["destroy"] = time.monotonic() - started
        check(done, "destroy")


def check(done: Any, step: str) -> None:
    if done.returncode != 0:
        pytest.fail(
            f"terraform {step} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )


@pytest.fixture(scope="session")
def provider() -> tooling.Provider:
    problem = tooling.missing()
    if problem is not None:
        pytest.fail(problem)
    found = tooling.provider()
    assert found is not None
    return found


@pytest.fixture(scope="session")
def deploy(
    tmp_path_factory: pytest.TempPathFactory, provider: tooling.Provider
) -> Iterator[Callable[..., Deployed]]:
    """deploy(env, templates=None): the environment applied on its own emulator (once per label)."""
    done: dict[str, Deployed] = {}
    try:

        def get(env: str, templates: Path | None = None, label: str | None = None) -> Deployed:
            name = label or env
            if name not in done:
                done[name] = _deploy(tmp_path_factory.mktemp(name), env, name, templates, provider)
            return done[name]

        yield get
    finally:
        for deployed in done.values():
            deployed.emulator.stop()


def _deploy(root: Path, env: str, name: str, templates: Path | None, provider: tooling.Provider) -> Deployed:
    environment = next(e for e in load_valid_environments(EXAMPLES) if e.name == env)
    timings: dict[str, float] = {}
    started = time.monotonic()
    running = emulator.start(root / "emulator")
    try:
        ids = {}
        pool = environment.user_pool
        if pool.existing_id is not None and pool.existing_client_id is not None:
            chosen_pool, chosen_client = create_existing_pool(running.endpoint, f"existing-{env}")
            ids = {pool.existing_id: chosen_pool, pool.existing_client_id: chosen_client}
        stack = synthesize(EXAMPLES, env, root / "cdktf.out", templates)
        deployment = prepare(stack, root / "work", provider, running.endpoint, ids)
        timings["synth"] = time.monotonic() - started
        for step, arguments in (
            ("init", ("init",)),
            ("validate", ("validate",)),
            ("apply", ("apply", "-auto-approve")),
        ):
            started = time.monotonic()
            check(deployment.terraform(*arguments), step)
            timings[step] = time.monotonic() - started
    except BaseException:
        running.stop()
        raise
    print(f"\n{name}: {provider.described(deployment.pinned)}; test copy: {'; '.join(deployment.rewrites)}")
    return Deployed(name, environment, environment_access(environment), running, deployment, stack, timings)


@pytest.fixture(scope="session")
def widened_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped access levels, but `read` also grants s3:PutObject: a deliberately wider stack."""
    directory = tmp_path_factory.mktemp("widened") / "policies"
    shutil.copytree(PROJECT / "templates" / "policies", directory)
    read = directory / "read.json.j2"
    text = read.read_text()
    widened = text.replace('"Action": ["s3:GetObject"', '"Action": ["s3:GetObject", "s3:PutObject"')
    assert widened != text
    read.write_text(widened)
    return directory
