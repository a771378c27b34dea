# 会计人员管理系统 — two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
REGISTRY := $(VENV)/bin/registry
DEMO_PEOPLE ?= 20000

.PHONY: run test lint bench setup assets fmt migrations-check

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

setup: $(VENV)/.installed node_modules/.installed

# The whole system: the national hub and two provincial nodes, each its own process and database.
run: setup
	$(REGISTRY) cluster

# Browser tests run on their own, one at a time: a live server and Chromium next to a busy
# parallel run on two cores time out.
test: setup
	$(VENV)/bin/pytest -n 2 -m "not browser" $(PYTEST_ARGS)
	$(VENV)/bin/pytest -m browser $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy registry config
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m django makemigrations --check --dry-run

# Each benchmark prints its figures beside a baseline measured in the same run.
bench: setup
	$(PY) -m bench
	$(PY) -m bench.stats
	$(PY) -m bench.imports
	$(PY) -m bench.sync

fmt: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
