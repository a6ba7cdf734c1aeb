"""The second IAM evaluator: @cloud-copilot/iam-simulate (npm), pinned in tests/iam_simulate/.

One Node.js process per test session (per pytest worker) answers every request: requests go in
batches, one JSON line per batch, and each policy document crosses the pipe once (it is named by
a hash of its JSON afterwards), so thousands of probes cost one process and few large writes.
`make test` installs the package (`npm ci` in tests/iam_simulate/).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DIRECTORY = Path(__file__).with_name("iam_simulate")
RUNNER = DIRECTORY / "evaluate.mjs"
PACKAGE = DIRECTORY / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
INSTALL = "make tests/iam_simulate/node_modules/.installed"
ALLOWED, DENIED = "Allowed", ("ExplicitlyDenied", "ImplicitlyDenied")


class EvaluatorError(RuntimeError):
    """iam-simulate refused a request (a malformed policy, an action it does not know, a resource
    that the action does not take): a broken probe, never a Deny."""


@dataclass(frozen=True)
class SimulatorRequest:
    principal: str
    action: str
    resource: str
    account: str
    identity_policies: tuple[Mapping[str, Any], ...]
    resource_policy: Mapping[str, Any] | None
    context: Mapping[str, str]
    carry: tuple[str, ...] = ()  # keys IAM keeps in the session that the simulator may leave out
    checked: bool = False  # through runSimulation itself (carries nothing): see evaluate.mjs


@dataclass(frozen=True)
class SimulatorDecision:
    allowed: bool
    ignored: tuple[str, ...]  # context keys the simulator left out as not applying to the request
    carried: tuple[str, ...]  # of those, the ones kept by the `carry` repair


class IamSimulate:
    """A running iam-simulate: `decide` sends one batch of requests, returns one decision each."""

    def __init__(self) -> None:
        if not PACKAGE.is_file():
            raise EvaluatorError(f"iam-simulate is not installed: run `{INSTALL}`")
        self.version = json.loads(PACKAGE.read_text())["version"]
        self._sent: set[str] = set()  # ids of the policies that Node.js holds
        self._decided: dict[str, SimulatorDecision] = {}
        self._process = subprocess.Popen(
            ["node", str(RUNNER)],
            cwd=DIRECTORY,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def decide(self, requests: Sequence[SimulatorRequest]) -> list[SimulatorDecision]:
        return self.submit(requests)()

    def submit(self, requests: Sequence[SimulatorRequest]) -> Callable[[], list[SimulatorDecision]]:
        """Send a batch and return at once, so that the caller works while Node.js evaluates;
        call the result for the decisions (before submitting the next batch: answers come in
        order). A request already answered is not sent again."""
        policies: dict[str, Mapping[str, Any]] = {}
        batch = [self._request(request, policies) for request in requests]
        keys = [json.dumps(entry, sort_keys=True) for entry in batch]
        unknown = list(dict.fromkeys(key for key in keys if key not in self._decided))
        if unknown:
            assert self._process.stdin
            line = json.dumps({"policies": policies, "requests": [json.loads(key) for key in unknown]})
            self._process.stdin.write(line + "\n")
            self._process.stdin.flush()
            self._sent |= set(policies)

        def decisions() -> list[SimulatorDecision]:
            if unknown and unknown[0] not in self._decided:
                self._receive(unknown, dict(zip(keys, requests, strict=True)))
            return [self._decided[key] for key in keys]

        return decisions

    def _receive(self, unknown: list[str], requests: Mapping[str, SimulatorRequest]) -> None:
        assert self._process.stdout
        line = self._process.stdout.readline()
        if not line:
            raise EvaluatorError(f"iam-simulate exited with {self._process.wait()}")
        for key, answer in zip(unknown, json.loads(line)["decisions"], strict=True):
            self._decided[key] = _decision(answer, requests[key])

    def _request(self, request: SimulatorRequest, policies: dict[str, Mapping[str, Any]]) -> dict[str, Any]:
        def named(policy: Mapping[str, Any]) -> str:
            text = json.dumps(policy, sort_keys=True)
            name = hashlib.sha256(text.encode()).hexdigest()[:16]
            if name not in self._sent:
                policies[name] = policy
            return name

        return {
            "principal": request.principal,
            "action": request.action,
            "resource": request.resource,
            "account": request.account,
            "identityPolicies": [named(policy) for policy in request.identity_policies],
            "resourcePolicy": None if request.resource_policy is None else named(request.resource_policy),
            "context": dict(request.context),
            "carry": list(request.carry),
            "checked": request.checked,
        }

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin
            self._process.stdin.close()
            self._process.wait(timeout=10)


def _decision(answer: Mapping[str, Any], request: SimulatorRequest) -> SimulatorDecision:
    if "error" in answer:
        raise EvaluatorError(
            f"iam-simulate refused {request.action} on {request.resource}: {answer['error']}"
        )
    if answer["decision"] not in (ALLOWED, *DENIED):
        raise EvaluatorError(f"iam-simulate answered {answer['decision']!r}")
    return SimulatorDecision(
        answer["decision"] == ALLOWED, tuple(answer["ignored"]), tuple(answer["carried"])
    )


@functools.cache
def simulator() -> IamSimulate:
    """The session's one process, started on first use and closed when Python exits."""
    running = IamSimulate()
    atexit.register(running.close)
    return running
