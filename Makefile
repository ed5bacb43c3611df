# Two commands on a fresh machine: `make run` serves the blog, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 4
PYTEST_ARGS ?=

.PHONY: run serve test lint assets install install-test catalogs translations-extract translations-update

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Fetch the pinned htmx, KaTeX and mermaid files (and axe-core for the tests) from the npm
# registry (skipped when present), and compile the interface's translations.
assets: install catalogs
	$(BIN)/python -m webapp.vendor

# Interface translations: extract the strings into messages.pot, merge them into each
# language's messages.po (then translate what is new), compile them (.mo, not committed).
# N_ marks the templates of upload and import reasons, translated when they are shown.
CATALOGS := webapp/translations
catalogs: install
	$(BIN)/pybabel compile --use-fuzzy -d $(CATALOGS)

translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o $(CATALOGS)/messages.pot --no-location --sort-output .

translations-update: translations-extract
	$(BIN)/pybabel update -d $(CATALOGS) -i $(CATALOGS)/messages.pot --ignore-obsolete --width 100

# Development server with demo content on first run, and the job worker beside it (big
# uploads are published by the worker); both stop together.
run: assets
	$(BIN)/flask --app webapp init-db
	$(BIN)/flask --app webapp load-demo --if-empty
	$(BIN)/flask --app webapp worker --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app webapp run --host $(HOST) --port $(PORT)

# Production server (gunicorn); gunicorn.conf.py starts the job worker beside it.
serve: assets
	$(BIN)/flask --app webapp init-db
	$(BIN)/flask --app webapp load-demo --if-empty
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) 'webapp:create_app()'

test: install-test assets
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
