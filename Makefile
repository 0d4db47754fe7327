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

# Debian's chromium drives the browser test (never a downloaded browser); a CJK font so that
# screenshots show Chinese rather than empty boxes.
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "WenQuanYi\|Noto Sans CJK"; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

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
