# Entente — the two commands of the quick start are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint schema bench install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Entente needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## set up, seed the demo territory, serve on http://127.0.0.1:$${HUB_PORT:-8000}
	$(BIN)/hub demo

test: $(STAMP)  ## the whole suite (PostgreSQL too when HUB_TEST_DATABASE_URL is set)
	@test -x /usr/bin/chromium || echo "note: the browser tests need Debian's Chromium" \
		"(apt-get install chromium); without it they are skipped here and fail in CI."
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hub connectors

schema: $(STAMP)  ## regenerate graphql/schema.graphql
	$(BIN)/hub schema

bench: $(STAMP)  ## benchmarks of tests/bench/, side by side in one run
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) var build *.egg-info
