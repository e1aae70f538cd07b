# `make run` and `make test` each set themselves up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck check setup system-deps migrate demo bench messages clean


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

# The built-in SMTP listener's port for `make run` only (mail to support@demo.omniline.local lands there).
run: export OMNILINE_SMTP_PORT ?= 2525
# …and a development-only SMTP server that catches the demo's outgoing mail (GET /demo/mailbox).
run: export OMNILINE_DEMO_MAILBOX_PORT ?= 2526

## run: set up, migrate var/omniline.db, load the demo tenant and serve on http://127.0.0.1:8000
run: demo
	@echo "open http://127.0.0.1:$${OMNILINE_PORT:-8000}/login — agent: agent1@demo.omniline.local / demo-agent-pass,"
	@echo "  supervisor: supervisor@demo.omniline.local / demo-supervisor-pass, admin: admin@demo.omniline.local / demo-admin-pass"
	@echo "API: POST /api/v1/auth/token {\"email\": \"agent1@demo.omniline.local\", \"password\": \"demo-agent-pass\"}"
	@echo "mail: SMTP on 127.0.0.1:$(OMNILINE_SMTP_PORT), to support@demo.omniline.local; replies caught at /demo/mailbox"
	$(BIN)/omniline serve

# Real servers the tests talk to: Dovecot (IMAP) and Chromium (the widget and the pages in a browser),
# with CJK fonts so the screenshots show Chinese as text rather than boxes.
system-deps:
	@missing=""; \
	command -v dovecot >/dev/null 2>&1 || missing="$$missing dovecot-imapd"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -d /usr/share/fonts/opentype/noto || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing (Debian packages the tests need)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "the tests need these Debian packages:$$missing (run: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

## test: set up and run lint, type checks and the whole test suite (OMNILINE_TEST_DATABASE_URL picks PostgreSQL)
test: setup system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest

bench: setup system-deps
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/timeline.py
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/desktop_inbox.py
	$(BIN)/python bench/desktop_latency.py

## messages: list the page strings that still lack a Russian or Chinese translation (as .po entries to fill in)
messages: setup
	$(BIN)/python -m omniline.web.catalog

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
