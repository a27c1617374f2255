# LetItGo: the common tasks. `make up` runs everything; `make test` runs the whole test suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# what ruff checks: only the folders this checkout has (bench/ may be absent)
LINT_PATHS := letitgo workers tests celeryconfig.py $(wildcard bench)

.PHONY: up test install services down status env lint typecheck bench unit clean

$(STAMP): requirements.txt requirements-dev.txt setup.cfg
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt -e .
	@touch $(STAMP)

install: $(STAMP)

services:
	bash scripts/services.sh up

## Only this checkout's processes (their command lines start with its .venv): another checkout's are left alone.
down:
	-@pkill -f "^$(CURDIR)/$(BIN)/python[0-9.]* ($(CURDIR)/)?$(BIN)/(celery|honcho) " 2>/dev/null; \
	  pkill -f "^$(CURDIR)/$(BIN)/python[0-9.]* -m gunicorn .*letitgo.wsgi:app" 2>/dev/null; true
	bash scripts/services.sh down

status:
	bash scripts/services.sh status

env: install
	$(BIN)/letitgo init-env .env

## Everything: services, configuration, and every Procfile process (Ctrl-C stops the processes).
up: install services env
	@mkdir -p .services/run
	$(BIN)/letitgo init
	@echo "LetItGo API  http://127.0.0.1:8081   (OpenAPI: /openapi.json, Swagger UI: /docs)"
	@echo "Flower       http://127.0.0.1:5555"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

## The whole test suite against the real services (started if needed).
test: install services
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/pytest

unit: install
	$(BIN)/pytest tests/unit

lint: install
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy

bench: install services
	$(BIN)/python -m bench.run

clean: down
	rm -rf .services $(VENV)
