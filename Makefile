# Two commands set everything up on a fresh machine: `make run` and `make test`.
# Each creates .venv and installs the locked dependency set (uv.lock) into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
export UV_PROJECT_ENVIRONMENT := $(VENV)
# The PostgreSQL tests run against this database; set it empty to skip them on a laptop without one.
SPINECARE_TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
export SPINECARE_TEST_POSTGRES_URL

.PHONY: run test lint typecheck pytest bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock
	$(BIN)/uv sync --frozen --inexact --quiet
	touch $@

run: $(VENV)/.synced
	$(BIN)/spinecare run

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.synced
	$(BIN)/mypy

# In parallel, one process a CPU (pytest-xdist); a file's tests stay together, so a module's
# browser or service starts once. Files go out in collection order, not by their number of
# tests: the few slow end-to-end and drill files start early instead of trailing behind the
# thousands of quick table tests. `pytest tests/x.py` alone runs in this one process.
pytest: $(VENV)/.synced
	$(BIN)/pytest -n auto --dist loadfile --no-loadscope-reorder

test: lint typecheck pytest

bench: $(VENV)/.synced
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
