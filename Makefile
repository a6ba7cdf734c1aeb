# Two commands on a fresh machine: `make synth` (the main job) and `make test`; `make e2e`
# deploys the examples on a local AWS emulator.
# Both create .venv from the pinned requirements the first time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
OUTDIR ?= cdktf.out
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: synth check validate test e2e e2e-run lint bench clean

CHECKOV_VENV := .venv-checkov
CHECKOV := $(abspath $(CHECKOV_VENV)/bin/checkov)

# The runtime pins, then the project itself (editable, no dependencies: they are all pinned
# above) so that .venv/bin/groupfolders works.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	touch $@

# Test-only tools (pytest, hypothesis, ruff, principalmapper, parliament, actionlint, zizmor,
# moto) and the aws extra's pins (boto3, pycognito) that they include.
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt requirements-aws.txt
	$(PIP) -r requirements-dev.txt
	touch $@

# The local AWS emulator pins an older botocore than the test tools: its own environment.
EMULATOR_VENV := .venv-emulator
$(EMULATOR_VENV)/.installed: requirements-emulator.txt
	$(PYTHON) -m venv $(EMULATOR_VENV)
	$(EMULATOR_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-emulator.txt
	touch $@

# checkov pins packaging<24, which conflicts with pytest: it gets its own environment.
$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

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
