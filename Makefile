# Two commands on a fresh machine: `make synth` (the main job) and `make test`.
# Both create .venv from the pinned requirements the first time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
OUTDIR ?= cdktf.out
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: synth check validate test lint bench clean

CHECKOV_VENV := .venv-checkov
CHECKOV := $(abspath $(CHECKOV_VENV)/bin/checkov)

# The runtime pins, then the project itself (editable, no dependencies: they are all pinned
# above) so that .venv/bin/groupfolders works.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -e .
	touch $@

# Test-only tools (pytest, hypothesis, ruff, principalmapper, parliament, actionlint, zizmor).
$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) -r requirements-dev.txt
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

# One pytest worker per core (pytest-xdist): each worker synthesizes the examples and runs
# checkov once for its share of the tests.
test: lint $(CHECKOV_VENV)/.installed
	GROUPFOLDERS_CHECKOV=$(CHECKOV) $(PY) -m pytest -n auto

# Our synth against a hand-written CDKTF program, validate at scale, checkov per stack, with
# the targets of issue 10. About 10 minutes; `make bench REPEAT=1` for a quick look.
REPEAT ?= 3
bench: $(VENV)/.installed $(CHECKOV_VENV)/.installed
	GROUPFOLDERS_CHECKOV=$(CHECKOV) $(PY) bench/bench.py --repeat $(REPEAT)

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(OUTDIR) reports
