"""`make e2e`: every example environment (and the widened negative control) deployed on its
own local AWS emulator, side by side in threads (each mostly waits on Terraform's provider),
once per session; then re-planned and probed there. Tests read the results; destroying is a
fixture of its own, asked for by the last tests."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
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
from tests.e2e.probes import Probe, Target, create_existing_pool, empty_bucket, run

ENVIRONMENTS = ("dev", "prod", "staging", "union")
WIDENED = "widened"  # dev, synthesized with a read level that also grants s3:PutObject


@dataclass
class Deployed:
    name: str  # the environment, or WIDENED
    environment: Environment
    access: EnvironmentAccess  # the access model of the shipped templates
    emulator: emulator.Emulator
    deployment: Deployment
    provider: str  # which provider, from where
    replan: Any = None  # the second `terraform plan -detailed-exitcode`
    probe: Probe | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def outputs(self) -> dict[str, Any]:
        return self.deployment.outputs()

    def timed(self, step: str, action: Callable[[], Any]) -> Any:
        started = time.monotonic()
        try:
            return action()
        finally:
            self.timings[step] = time.monotonic() - started

    def destroy(self) -> None:
        for bucket in (self.access.bucket, f"{self.access.bucket}-logs"):
            empty_bucket(self.emulator.endpoint, bucket)  # versioned: Terraform would refuse
        check(self.timed("destroy", lambda: self.deployment.terraform("destroy", "-auto-approve")), "destroy")


def check(done: Any, step: str) -> None:
    if done.returncode != 0:
        pytest.fail(
            f"terraform {step} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )


@dataclass
class Results:
    """What the threads left: name → Deployed (its emulator started), name → what stopped it."""

    deployed: dict[str, Deployed] = field(default_factory=dict)
    failures: dict[str, BaseException] = field(default_factory=dict)

    def get(self, name: str) -> Deployed:
        """The deployment, or its failure raised again in the test that reads it."""
        if name in self.failures:
            error = self.failures[name]
            pytest.fail(f"{name}: {type(error).__name__}: {error}", pytrace=False)
        return self.deployed[name]

    def collect(self, futures: dict[str, Any]) -> None:
        for name, future in futures.items():
            if future.exception() is not None:
                self.failures[name] = future.exception()


@pytest.fixture(scope="session")
def provider() -> tooling.Provider:
    problem = tooling.missing()
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    found = tooling.provider()
    assert found is not None
    return found


@pytest.fixture(scope="session")
def widened_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped access levels, but `read` also grants s3:PutObject: a deliberately wider stack."""
    directory = tmp_path_factory.mktemp(WIDENED) / "policies"
    shutil.copytree(PROJECT / "templates" / "policies", directory)
    read = directory / "read.json.j2"
    text = read.read_text()
    widened = text.replace('"Action": ["s3:GetObject"', '"Action": ["s3:GetObject", "s3:PutObject"')
    assert widened != text
    read.write_text(widened)
    return directory


@pytest.fixture(scope="session")
def deployments(
    tmp_path_factory: pytest.TempPathFactory, provider: tooling.Provider, widened_templates: Path
) -> Iterator[Results]:
    """Every target applied, re-planned and probed, each on its own emulator; all stopped at the end."""
    results = Results()
    try:
        examples = synthesize(EXAMPLES, None, tmp_path_factory.mktemp("cdktf.out"))
        targets = {env: (env, examples / env, None) for env in ENVIRONMENTS}
        targets[WIDENED] = ("dev", None, widened_templates)
        with ThreadPoolExecutor(len(targets)) as pool:
            futures = {
                name: pool.submit(
                    _deploy,
                    tmp_path_factory.mktemp(name),
                    env=env,
                    name=name,
                    stack=stack,
                    templates=templates,
                    provider=provider,
                    results=results,
                )
                for name, (env, stack, templates) in targets.items()
            }
        results.collect(futures)
        yield results
    finally:
        for deployed in results.deployed.values():
            deployed.emulator.stop()


@pytest.fixture(scope="session")
def destroyed(deployments: Results) -> Results:
    """The deployments destroyed, side by side: each one's failure, if any, kept for its test."""
    gone = Results(dict(deployments.deployed), dict(deployments.failures))
    ready = {name: found for name, found in deployments.deployed.items() if name not in deployments.failures}
    with ThreadPoolExecutor(max(len(ready), 1)) as pool:
        futures = {name: pool.submit(found.destroy) for name, found in ready.items()}
    gone.collect(futures)
    return gone


def _deploy(
    root: Path,
    *,
    env: str,
    name: str,
    stack: Path | None,
    templates: Path | None,
    provider: tooling.Provider,
    results: Results,
) -> None:
    environment = next(e for e in load_valid_environments(EXAMPLES) if e.name == env)
    started = time.monotonic()
    running = emulator.start(root / "emulator")
    try:
        ids = {}
        pool = environment.user_pool
        if pool.existing_id is not None and pool.existing_client_id is not None:
            chosen_pool, chosen_client = create_existing_pool(running.endpoint, f"existing-{env}")
            ids = {pool.existing_id: chosen_pool, pool.existing_client_id: chosen_client}
        if stack is None:
            stack = synthesize(EXAMPLES, env, root / "cdktf.out", templates)
        deployment = prepare(stack, root / "work", provider, running.endpoint, ids)
    except BaseException:
        running.stop()
        raise
    deployed = Deployed(
        name,
        environment,
        environment_access(environment),
        running,
        deployment,
        provider.described(deployment.pinned),
    )
    results.deployed[name] = deployed  # from here on the session stops its emulator
    deployed.timings["start"] = time.monotonic() - started
    for step, arguments in (
        ("init", ("init",)),
        ("validate", ("validate",)),
        ("apply", ("apply", "-auto-approve")),
    ):
        check(deployed.timed(step, lambda arguments=arguments: deployment.terraform(*arguments)), step)
    deployed.replan = deployed.timed("plan", lambda: deployment.terraform("plan", "-detailed-exitcode"))
    stack_copy = json.loads((deployment.directory / "cdk.tf.json").read_text())
    target = Target(running.endpoint, environment, deployed.access, deployed.outputs, stack_copy)
    deployed.probe = deployed.timed("probes", lambda: run(target))
