# Two commands on a fresh machine: `make synth` (the main job) and `make test`; `make e2e`
# deploys the examples on a local AWS emulator. Each creates its environments from the
# hash-pinned locks the first time (pip --require-hashes: every package pinned, each file
# checked against the lock's hashes; `make lock` regenerates the locks from the
# requirements*.txt pins).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps
OUTDIR ?= cdktf.out
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: synth check validate test e2e e2e-run lint bench clean lock

CHECKOV_VENV := .venv-checkov
CHECKOV := $(abspath $(CHECKOV_VENV)/bin/checkov)
# The Python version the locks are resolved for (checkov's soupsieve needs 3.11.5 or later).
LOCK_PYTHON := 3.11.5
packages = $$(grep -c '^[A-Za-z0-9]' $(1))

# The runtime, then .venv/bin/groupfolders: a launcher of this checkout's main.py. The checkout
# is never installed into .venv: it imports `modules`, the name the built wheel must not
# install (setup.py lays the wheel out as the one package `groupfolders`).
$(VENV)/.installed: requirements.lock
	@echo "installing $(VENV): $(call packages,requirements.lock) runtime packages from requirements.lock, about 540 MB (the AWS provider bindings are 486 MB of it)"
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.lock
	@$(PY) -m pip uninstall --quiet --yes groupfolders 2>/dev/null || true  # an earlier editable install
	printf '%s\n' '#!/bin/sh' '# groupfolders from this checkout (written by make): the main.py two levels up.' \
		'bin=$$(dirname "$$0")' 'exec "$$bin/python" "$$(dirname "$$(dirname "$$bin")")/main.py" "$$@"' \
		> $(VENV)/bin/groupfolders
	chmod +x $(VENV)/bin/groupfolders
	touch $@

# Test-only tools (pytest, hypothesis, ruff, mypy, principalmapper, parliament, actionlint,
# zizmor, moto, uv for `make lock`) and the aws extra's pins (boto3, pycognito), on top of the
# runtime.
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	@echo "installing $(VENV) test tools: $(call packages,requirements-dev.lock) packages from requirements-dev.lock (the runtime's included)"
	$(PIP) -r requirements-dev.lock
	touch $@

# The local AWS emulator pins an older botocore than the test tools: its own environment.
EMULATOR_VENV := .venv-emulator
$(EMULATOR_VENV)/.installed: requirements-emulator.lock
	@echo "installing $(EMULATOR_VENV): $(call packages,requirements-emulator.lock) packages from requirements-emulator.lock"
	$(PYTHON) -m venv $(EMULATOR_VENV)
	$(EMULATOR_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements-emulator.lock
	touch $@

# checkov pins packaging<24, which conflicts with pytest: it gets its own environment.
$(CHECKOV_VENV)/.installed: requirements-checkov.lock
	@echo "installing $(CHECKOV_VENV): $(call packages,requirements-checkov.lock) packages from requirements-checkov.lock, about 290 MB"
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements-checkov.lock
	touch $@

# The locks, from the pins in requirements*.txt (a test keeps each lock equal to its pins).
lock: $(VENV)/.installed-dev
	for name in requirements requirements-dev requirements-checkov requirements-emulator; do \
		$(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version $(LOCK_PYTHON) --no-header \
			$$name.txt -o $$name.lock || exit 1; \
	done
	# discover and verify on top of the runtime (CI's verify step installs it beside .venv's).
	$(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version $(LOCK_PYTHON) --no-header \
		requirements.txt requirements-aws.txt -o requirements-aws.lock

# The main job: validate, synthesize every environment, scan it, print the summary and verdict.
synth: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	GROUPFOLDERS_CHECKOV=$(CHECKOV) $(PY) main.py check --environments environments --outdir $(OUTDIR)

check: synth

validate: $(VENV)/.installed
	$(PY) main.py validate --environments environments

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	# checkov loads our rules with checks/ on sys.path, where gf_common is a top-level module.
	cd checks && MYPYPATH=. ../$(PY) -m mypy --config-file ../pyproject.toml --explicit-package-bases gf_common.py ckv_*.py
	$(VENV)/bin/actionlint .github/workflows/groupfolders.yml .github/workflows/groupfolders-gate.yml
# zizmor: the workflow's security audit, offline (no audit that asks GitHub); medium and high fail.
	$(VENV)/bin/zizmor --offline --min-severity medium .

# The second IAM evaluator of the semantic tests (npm @cloud-copilot/iam-simulate, see
# tests/second_evaluator.py), exactly as its lock file pins it.
IAM_SIMULATE := tests/iam_simulate
$(IAM_SIMULATE)/node_modules/.installed: $(IAM_SIMULATE)/package.json $(IAM_SIMULATE)/package-lock.json
	cd $(IAM_SIMULATE) && npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# One pytest worker per core (pytest-xdist): each worker synthesizes the examples and runs
# checkov once for its share of the tests.
test: lint $(CHECKOV_VENV)/.installed $(IAM_SIMULATE)/node_modules/.installed
	GROUPFOLDERS_CHECKOV=$(CHECKOV) $(PY) -m pytest -n auto

# Every example applied, re-planned, probed and destroyed on a local AWS emulator (tests/e2e:
# each on its own emulator, side by side in threads with the negative control; they mostly wait on the
# provider). First, one line and exit 1 where there is no Terraform or AWS provider (exit 0
# with GROUPFOLDERS_E2E=skip), before anything is installed.
e2e:
	@status=0; $(PYTHON) -m tests.e2e.tooling || status=$$?; \
	if [ $$status -eq 10 ]; then exit 0; elif [ $$status -ne 0 ]; then exit $$status; fi; \
	$(MAKE) --no-print-directory e2e-run

e2e-run: $(VENV)/.installed-dev $(EMULATOR_VENV)/.installed
	$(PY) -m pytest tests/e2e -p no:cacheprovider -rA

# Our synth against a hand-written CDKTF program, validate at scale, checkov per stack, with
# the targets of issue 10. About 10 minutes; `make bench REPEAT=1` for a quick look.
REPEAT ?= 3
bench: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	GROUPFOLDERS_CHECKOV=$(CHECKOV) $(PY) bench/bench.py --repeat $(REPEAT)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(EMULATOR_VENV) $(OUTDIR) reports $(IAM_SIMULATE)/node_modules
