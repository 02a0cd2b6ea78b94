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

.PHONY: env demo lint audit lock test test-sqlite test-postgres test-browser bench stress clean

env: $(STAMP)

# Installs exactly the hashed lock (every dependency, dev tools included), then the project
# itself without resolving anything again: a fresh machine gets the set CI tested.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# Migrates, loads demo data, prints the logins and serves on 127.0.0.1:8000.
demo: env
	$(BIN)/medoffice demo

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(call isolated,$(BIN)/python manage.py makemigrations --check --dry-run)
	$(BIN)/python scripts/project_check.py

# SU-01: bandit (new findings against the reviewed baseline), the installed set equal to the
# hashed lock, and pip-audit where its vulnerability service is reachable (scripts/supply_chain.py).
audit: env
	$(BIN)/python scripts/supply_chain.py

# Regenerates the hashed lock from pyproject.toml (after changing a pin), then reinstalls.
lock: env
	$(BIN)/pip-compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

# pytest exits 5 when it collects nothing: for the main runs that is a
# failure (a broken marker or path must not look green), so it is not masked.
test: lint audit test-sqlite test-postgres test-browser
	@if [ -f bench/run.py ]; then \
		$(call isolated,$(BIN)/python bench/run.py --quick); \
	else echo "SKIPPED bench: bench/run.py not found"; fi

test-sqlite: env
	$(call isolated,$(PYTEST) -n 2 -m "not browser" --durations=15)

# scripts/with-postgres.sh starts one throwaway cluster and sets DATABASE_URL.
test-postgres: env
	$(call isolated,scripts/with-postgres.sh $(PYTEST) -n 2 -m "not browser" --durations=15)

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
# a throwaway PostgreSQL cluster of 100,000 patients, the FHIR Patient search (issue 10) on
# one of 1,000,000 (generated into it first: minutes, see docs/benchmarks.md), and the FHIR
# Bundle import rate (issue 10) on one of 20,000.
bench: env
	$(BIN)/python bench/run.py
	scripts/with-postgres.sh $(BIN)/python bench/run.py --size 100000 --only chart
	scripts/with-postgres.sh $(BIN)/python bench/run.py --size 1000000 --only fhir_search
	scripts/with-postgres.sh $(BIN)/python bench/run.py --size 20000 --only fhir_import

# The full "proof under attack" (docs/security.md, Figures): tests/attack at full size
# (MEDOFFICE_STRESS=1: tens of thousands of mutated X12 files, every fault point, 1,000
# concurrent bookings, ...) and 100 kill -9 trials, on SQLite and then PostgreSQL, then the
# supply-chain checks; prints the figures table. Takes about an hour on 2 cores.
STRESS_FIGURES := test-artifacts/stress-figures.jsonl
stress: env
	mkdir -p test-artifacts && rm -f $(STRESS_FIGURES)
	$(call isolated,MEDOFFICE_STRESS=1 MEDOFFICE_CRASH_TRIALS=100 \
		MEDOFFICE_STRESS_REPORT=$(CURDIR)/$(STRESS_FIGURES) \
		$(PYTEST) -q tests/attack tests/payments/test_crash.py)
	$(call isolated,MEDOFFICE_STRESS=1 MEDOFFICE_STRESS_REPORT=$(CURDIR)/$(STRESS_FIGURES) \
		scripts/with-postgres.sh $(PYTEST) -q tests/attack/test_concurrency.py \
		tests/attack/test_booking_machine.py tests/attack/test_faults.py)
	MEDOFFICE_STRESS_REPORT=$(CURDIR)/$(STRESS_FIGURES) $(BIN)/python scripts/supply_chain.py
	$(BIN)/python scripts/stress_report.py $(STRESS_FIGURES)

# Keeps .venv and var/ (the local database and its secrets): delete those by hand.
clean:
	rm -rf build dist src/*.egg-info .pytest_cache .ruff_cache test-artifacts
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
