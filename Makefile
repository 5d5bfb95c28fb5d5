# OpsDesk developer commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
VAR_DIR := $(or $(OPSDESK_VAR_DIR),var)
export OPSDESK_PORT ?= 8000
# Runs a command against the database: DATABASE_URL if set, else the embedded PostgreSQL under
# $(VAR_DIR)/pg/, started if needed and stopped when the command ends (opsdesk/embedded_db.py).
WITH_DB := python -m opsdesk.embedded_db run --

# Procfile commands (python, celery) and the recipes below find the venv's tools first.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYTHONUNBUFFERED := 1

.PHONY: help install install-test dirs run serve migrate demo test lint fmt bench reliability clean

help:
	@echo "make run      migrate, load demo data, serve http://127.0.0.1:8000 (OPSDESK_PORT) with Procfile.dev's"
	@echo "             processes: web, Celery workers 'timers' (deadline sweeps, event dispatch) and 'worker'"
	@echo "             (emails, webhooks), and beat; on the embedded PostgreSQL under var/pg/ unless DATABASE_URL is set"
	@echo "make test     ruff, migration check and pytest against PostgreSQL and Redis on 127.0.0.1"
	@echo "make lint     ruff check + ruff format --check"
	@echo "make fmt      ruff format + ruff check --fix"
	@echo "make migrate  apply migrations        make demo   load demo data (idempotent)"
	@echo "make bench    run benchmarks          make clean  stop and remove var/ (database, broker, schedule)"
	@echo "make reliability  worker kills, broker outage, slow webhook, schemathesis (bench/RELIABILITY.md;"
	@echo "             RELIABILITY_ARGS=--quick for the short variants; needs PostgreSQL and Redis on 127.0.0.1)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp. Running needs only the dependencies
# (including the embedded PostgreSQL); the test tools (".[test]") come with make test, lint and fmt.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[test]"
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)

install-test: $(TEST_STAMP)

dirs:
	@mkdir -p $(VAR_DIR)/broker/queue $(VAR_DIR)/broker/processed $(VAR_DIR)/broker/control

migrate: install dirs
	$(WITH_DB) sh -c "python scripts/ensure-database.py && python manage.py migrate"

demo: migrate
	$(WITH_DB) python manage.py load_demo

# One embedded server for the whole run: inside it DATABASE_URL is set, so WITH_DB starts nothing more.
run: install dirs
	$(WITH_DB) $(MAKE) --no-print-directory serve

serve: demo
	@echo
	@echo "OpsDesk: http://127.0.0.1:$(OPSDESK_PORT)/  (log in with a demo user above; Ctrl-C stops web, worker and beat)"
	@echo
	honcho -f Procfile.dev start

test: install-test
	scripts/ensure-services.sh
	DJANGO_SETTINGS_MODULE=opsdesk.settings.test python scripts/ensure-database.py
	ruff check .
	ruff format --check .
	DJANGO_SETTINGS_MODULE=opsdesk.settings.test python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=opsdesk.settings.test python manage.py spectacular --validate --fail-on-warn --file /dev/null
	DJANGO_SETTINGS_MODULE=opsdesk.settings.test pytest

lint: install-test
	ruff check .
	ruff format --check .

fmt: install-test
	ruff format .
	ruff check --fix .

# The benchmarks (bench/RESULTS.md), one after another: the SLA sweep, the HTTP one at 1M incidents, a
# burst of 10,000 Alertmanager alerts, the CMDB graph, the change collision check, API creates during a
# broker outage; fails if any did.
bench: install
	@failed=0; for b in "" http alerts cmdb changes outage; do python -m bench $$b || failed=1; done; exit $$failed

# The adversarial runs (bench/RELIABILITY.md), one after another, each in its own process; fails if any
# missed its goal. Not part of `make test`. RELIABILITY_ARGS: e.g. --quick, or --worker 'name=celery ...'.
reliability: install-test
	python -m reliability all $(RELIABILITY_ARGS)

clean:  # stops the embedded PostgreSQL first, if it runs
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m opsdesk.embedded_db stop; fi
	rm -rf $(VAR_DIR)
