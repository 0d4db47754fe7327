# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INI ?= development.ini

.PHONY: run test lint format bench templates clean install install-test browser-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -e .

install-test: $(BIN)/python
	$(BIN)/pip install -e '.[test]'

var:
	mkdir -p var

run: install var
	$(BIN)/volunteer-initdb $(INI) --demo
	$(BIN)/pserve $(INI)

# Debian's chromium drives the browser test (never a downloaded browser).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

test: install-test browser-deps
	$(BIN)/ruff check volunteer tests
	$(BIN)/ruff format --check volunteer tests
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check volunteer tests
	$(BIN)/ruff format --check volunteer tests

format:
	$(BIN)/ruff format volunteer tests
	$(BIN)/ruff check --fix volunteer tests

bench: install-test
	$(BIN)/pip install -e '.[test,bench]'
	$(BIN)/volunteer-bench $(BENCH_ARGS)

templates: install
	$(BIN)/python -m volunteer.spreadsheets.build_templates imports/templates

clean:
	rm -rf $(VENV) var *.egg-info
