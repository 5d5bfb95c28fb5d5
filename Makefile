# OpsDesk developer commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
VAR_DIR := $(or $(OPSDESK_VAR_DIR),var)

# Procfile commands (python, celery) and the recipes below find the venv's tools first.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PYTHONUNBUFFERED := 1

.PHONY: help install dirs run migrate demo test lint fmt bench clean

help:
	@echo "make run      migrate, load demo data, serve http://127.0.0.1:8000 with a Celery worker and beat"
	@echo "make test     ruff, migration check and pytest against PostgreSQL and Redis on 127.0.0.1"
	@echo "make lint     ruff check + ruff format --check"
	@echo "make fmt      ruff format + ruff check --fix"
	@echo "make migrate  apply migrations        make demo   load demo data (idempotent)"
	@echo "make bench    run benchmarks          make clean  remove var/ (database, broker, schedule)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[test]"
	touch $@

install: $(STAMP)

dirs:
	@mkdir -p $(VAR_DIR)/broker/queue $(VAR_DIR)/broker/processed $(VAR_DIR)/broker/control

migrate: install dirs
	python scripts/ensure-database.py
	python manage.py migrate

demo: migrate
	python manage.py load_demo

run: demo
	@echo
	@echo "OpsDesk: http://127.0.0.1:8000/  (log in with a demo user above; Ctrl-C stops web, worker and beat)"
	@echo
	honcho -f Procfile.dev start

test: install
	scripts/ensure-services.sh
	DJANGO_SETTINGS_MODULE=opsdesk.settings.test python scripts/ensure-database.py
	ruff check .
	ruff format --check .
	DJANGO_SETTINGS_MODULE=opsdesk.settings.test python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=opsdesk.settings.test pytest

lint: install
	ruff check .
	ruff format --check .

fmt: install
	ruff format .
	ruff check --fix .

bench: install
	@if [ -d bench ]; then python -m bench; else echo "No benchmarks yet (bench/ does not exist)."; fi

clean:
	rm -rf var
