# Two commands on a fresh machine: `make synth` (the main job) and `make test`.
# Both create .venv from the pinned requirements the first time.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
OUTDIR ?= cdktf.out
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: synth validate test lint clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

synth: $(VENV)/.installed
	$(PY) main.py synth --environments environments --outdir $(OUTDIR)

validate: $(VENV)/.installed
	$(PY) main.py validate --environments environments

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest

clean:
	rm -rf $(VENV) $(OUTDIR)
