# `make run` and `make test` each set themselves up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check setup migrate demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/omniline db upgrade

demo: migrate
	$(BIN)/omniline demo load

## run: set up, migrate var/omniline.db, load the demo tenant and serve on http://127.0.0.1:8000
run: demo
	@echo "log in: POST /api/v1/auth/token {\"email\": \"agent1@demo.omniline.local\", \"password\": \"demo-agent-pass\"}"
	$(BIN)/omniline serve

## test: set up and run lint, type checks and the whole test suite (OMNILINE_TEST_DATABASE_URL picks PostgreSQL)
test: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/timeline.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
