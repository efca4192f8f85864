# MedOffice: `make run` to try it, `make test` to check it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
MEDOFFICE := $(VENV)/bin/medoffice
# The newest Python 3.11+ on the machine.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)

.PHONY: help run test lint typecheck test-sqlite test-postgres test-browser bench worker clean

help:
	@echo "make run    install, migrate, seed the demo practice, serve http://127.0.0.1:8000"
	@echo "make test   lint, migrations check, tests on SQLite and on PostgreSQL, browser tests"
	@echo "make bench  benchmarks on the large demo dataset (SQLite and PostgreSQL)"

$(VENV)/.created:
	@test -n "$(PYTHON)" || { echo "MedOffice needs Python 3.11 or newer: install python3.11 (or later) and retry." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

# Reinstall only when the project definition changes.
$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

run: $(VENV)/.installed
	$(MEDOFFICE) migrate --no-input
	$(MEDOFFICE) demo --size small --if-empty
	@trap 'kill $$worker $$scheduler 2>/dev/null' EXIT; \
	$(MEDOFFICE) worker --quiet & worker=$$!; \
	$(MEDOFFICE) messaging scheduler > var/scheduler.log 2>&1 & scheduler=$$!; \
	$(MEDOFFICE) demo_logins; \
	$(MEDOFFICE) runserver 127.0.0.1:8000

worker: $(VENV)/.installed
	$(MEDOFFICE) worker

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/ruff format --check src tests bench scripts

typecheck: $(VENV)/.installed-test
	$(VENV)/bin/mypy src/medoffice/core src/medoffice/accounts src/medoffice/audit src/medoffice/organization src/medoffice/config

# -n auto: one test process per core (each with its own test database).
test-sqlite: $(VENV)/.installed-test
	$(VENV)/bin/pytest -q -m "not browser" -n auto

test-postgres: $(VENV)/.installed-test
	$(PY) scripts/with_postgres.py -- $(VENV)/bin/pytest -q -m "not browser" -n auto

test-browser: $(VENV)/.installed-test
	$(PY) scripts/ensure_debian_package.py chromium /usr/bin/chromium
	$(VENV)/bin/pytest -q -m browser

test: $(VENV)/.installed-test
	$(PY) scripts/ensure_debian_package.py postgresql /usr/lib/postgresql
	$(PY) scripts/ensure_debian_package.py chromium /usr/bin/chromium
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory typecheck
	MEDOFFICE_VAR_DIR=$$(mktemp -d) $(MEDOFFICE) makemigrations --check --dry-run
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-browser

bench: $(VENV)/.installed-test
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var/test-*.sqlite3* artifacts
