# Mulin — the two commands a user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run test lint format bench migrate demo clean messages

$(TOOLS)/bin/uv:
	@echo "uv not found: installing it into $(TOOLS)/"
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv

# Only the runtime environment (no test tools).
install: $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv)
	$(UV) sync --frozen --no-dev --python $(PYTHON)

install-dev: $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv)
	$(UV) sync --frozen --python $(PYTHON)

migrate: install
	$(BIN)/mulin migrate --noinput

demo: migrate
	$(BIN)/mulin demo

run: demo
	@echo "Mulin is serving on http://$(HOST):$(PORT)/  (stop with Ctrl-C)"
	$(BIN)/mulin runserver $(HOST):$(PORT)

test: install-dev
	scripts/test

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install-dev
	scripts/messages

bench: install-dev
	scripts/bench

clean:
	rm -rf $(VENV) $(TOOLS) staticfiles mulin.sqlite3*
