# MedOffice build and test entry points. `make test` is what CI runs (.ci/run).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test
# The steps of `test` share ports and CPUs: keep them in order even under -j.
.NOTPARALLEL:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install, so editing pyproject.toml reinstalls.
STAMP := $(VENV)/.installed

# Run a command with a fresh, throwaway MEDOFFICE_VAR_DIR (so checks and tests
# never touch ./var or each other's state) and the fast test password hasher.
# Usage: $(call isolated,COMMAND)
isolated = tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	MEDOFFICE_VAR_DIR="$$tmp" MEDOFFICE_FAST_PASSWORD_HASHER=1 $(1)

PYTEST := $(BIN)/pytest
# Debian's chromium; browser tests are skipped without it.
CHROMIUM := /usr/bin/chromium

.PHONY: env demo lint test test-sqlite test-postgres test-browser bench clean

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Migrates, loads demo data, prints the logins and serves on 127.0.0.1:8000.
demo: env
	$(BIN)/medoffice demo

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(call isolated,$(BIN)/python manage.py makemigrations --check --dry-run)
	$(BIN)/python scripts/project_check.py

# pytest exits 5 when it collects nothing: for the main runs that is a
# failure (a broken marker or path must not look green), so it is not masked.
test: lint test-sqlite test-postgres test-browser
	@if [ -f bench/run.py ]; then \
		$(call isolated,$(BIN)/python bench/run.py --quick); \
	else echo "SKIPPED bench: bench/run.py not found"; fi

test-sqlite: env
	$(call isolated,$(PYTEST) -n 2 -m "not browser")

# scripts/with-postgres.sh starts one throwaway cluster and sets DATABASE_URL.
test-postgres: env
	$(call isolated,scripts/with-postgres.sh $(PYTEST) -n 2 -m "not browser")

# Browser tests need Debian's chromium (never a downloaded browser). Having
# no browser tests yet (exit 5) is fine here.
test-browser: env
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "SKIPPED browser tests: $(CHROMIUM) not found"; \
	else \
		$(call isolated,$(PYTEST) -m browser) || rc=$$?; \
		if [ "$${rc:-0}" -eq 5 ]; then echo "No browser tests collected"; rc=0; fi; \
		exit "$${rc:-0}"; \
	fi

# Every benchmark on SQLite; then the chart summary (issue 7: on SQLite and PostgreSQL) on
# a throwaway PostgreSQL cluster of 100,000 patients.
bench: env
	$(BIN)/python bench/run.py
	scripts/with-postgres.sh $(BIN)/python bench/run.py --size 100000 --only chart

# Keeps .venv and var/ (the local database and its secrets): delete those by hand.
clean:
	rm -rf build dist src/*.egg-info .pytest_cache .ruff_cache test-artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
