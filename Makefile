# Two commands on a fresh machine: `make demo` and `make test`. Both build the environment from
# uv.lock first (Python 3.11 from the machine; uv never downloads an interpreter).
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup demo test lint typecheck imports unit bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

# The web pages' front-end packages (QR decoder, ticket verification, charts, Arabic font),
# pinned by package-lock.json and served as they are: no build step.
node_modules/.synced: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.synced node_modules/.synced

demo: setup
	$(BIN)/corridor demo

lint: setup
	$(BIN)/ruff check src tests benchmarks

typecheck: setup
	$(BIN)/mypy --strict src

imports: setup
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test: lint typecheck imports unit

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
