# Entente — the two commands of the quick start are `make demo` and `make test`.
#
# Every install comes from uv.lock (exact versions, hashes); `make lock` is the one deliberate
# way to move it. uv itself is pinned in pyproject.toml ([tool.uv] required-version) and
# installed once under ~/.cache/entente, outside the repository.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CACHE ?= $(HOME)/.cache/entente
UV_VERSION := $(shell sed -n 's/^required-version = "==\(.*\)"/\1/p' pyproject.toml)
UV_HOME := $(CACHE)/uv-$(UV_VERSION)
UV := $(UV_HOME)/bin/uv
EXTRAS := --extra dev --extra embedded

# uv never downloads a Python: it uses $(PYTHON).
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

# The tests build the wheel with the same uv.
export ENTENTE_UV := $(UV)

.PHONY: demo test lint schema bench install lock upgrade clean

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit("Entente needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked $(EXTRAS) --python $(PYTHON) --quiet
	@touch $(STAMP)

install: $(STAMP)  ## exactly the lock (fails when pyproject.toml and uv.lock disagree)

demo: $(STAMP)  ## set up, seed the demo territory, serve on http://127.0.0.1:$${HUB_PORT:-8000}
	$(BIN)/hub demo

test: $(STAMP)  ## the whole suite (PostgreSQL too when HUB_TEST_DATABASE_URL is set)
	@test -x /usr/bin/chromium || echo "note: the browser tests need Debian's Chromium" \
		"(apt-get install chromium); without it they are skipped here and fail in CI."
	$(BIN)/pytest

lint: $(STAMP)
	$(UV) lock --check --python $(PYTHON)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hub connectors

lock: | $(UV)  ## after editing pyproject.toml: re-resolve, moving only what the edit needs
	$(UV) lock --python $(PYTHON)

upgrade: | $(UV)  ## deliberately move every dependency to the newest version pyproject allows
	$(UV) lock --upgrade --python $(PYTHON)

schema: $(STAMP)  ## regenerate graphql/schema.graphql
	$(BIN)/hub schema

bench: $(STAMP)  ## benchmarks of tests/bench/, side by side in one run
	$(BIN)/python -m tests.bench $(ARGS)

clean:
	rm -rf $(VENV) var build dist *.egg-info
