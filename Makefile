# Two commands: `make run` and `make test`. Both work on a fresh Debian/Ubuntu
# machine with only Python 3.11, git and make.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install system-deps browser-deps migrate seed lint clean openapi messages makemessages screenshots

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: system-deps $(STAMP) messages

# System packages: Tesseract with its English and Simplified Chinese language data (OCR of listing
# images), the fonts the screening tests render listing images with (and Chinese pages are shown in),
# and GNU gettext (compiles the portal's translations; makemessages reads the code with it).
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-chi-sim fonts-dejavu-core fonts-wqy-microhei gettext
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing$$missing with apt-get..."; \
	    (apt-get install -y -qq $$missing >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null)); \
	  else \
	    echo "Missing system packages:$$missing. Install them with: sudo apt-get install -y$$missing"; \
	  fi; \
	fi

# Debian's Chromium, for the browser tests only (Playwright drives it; nothing is downloaded by Playwright).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium with apt-get (browser tests)..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) \
	      || echo "Installing chromium failed: the browser tests will fail under REQUIRE_SERVICES=1."; \
	  else \
	    echo "chromium is missing; the browser tests need it. Install it with: sudo apt-get install -y chromium"; \
	  fi; \
	fi

# The translations (locale/*/LC_MESSAGES/django.po, committed) compiled to the .mo files Django reads (not
# committed: built here, by the Dockerfile, and by `make test` through install). Only stale ones are rebuilt.
messages: system-deps $(STAMP)
	$(BIN)/django-admin compilemessages --ignore=.venv --ignore=var --ignore=staticfiles

# After changing a user-facing string: the catalogue refreshed from the code. Every new msgid then needs its
# Chinese (tests/portal/test_translations.py refuses an untranslated or fuzzy entry).
makemessages: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py makemessages --locale zh_Hans --add-location=file --no-wrap --no-obsolete --ignore=tests --ignore=var --ignore=staticfiles

migrate: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo

# Web server, Celery worker and beat in one command; Ctrl-C stops all three. Webhooks may reach
# receivers on this machine (README's "Partner API in five minutes"); production allows no loopback.
run: seed
	DEBUG=$${DEBUG:-1} WEBHOOK_ALLOWED_NETWORKS=$${WEBHOOK_ALLOWED_NETWORKS-127.0.0.1/32} $(BIN)/honcho start -f Procfile.dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The suite in two processes (pytest-xdist, one per core; each its own test database, suffixed _gw0 and
# _gw1). worksteal: an idle process takes tests from the busy one, so the slow files (real workers, browsers)
# end together. `make test PYTEST_WORKERS=0` runs it in this one process; PYTEST_ARGS adds options.
PYTEST_WORKERS ?= 2
test: lint browser-deps
	DEBUG=$${DEBUG:-1} $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=25 $(PYTEST_ARGS)

# README's pictures: each role's main pages at 1366 and 390 px from a throwaway demo database (PostgreSQL at
# DATABASE_URL's server) into docs/screenshots/, README's table rewritten. Not run by CI; commit the result.
screenshots: install browser-deps
	DEBUG=1 $(BIN)/python docs/screenshots.py

# The API contract (openapi.yaml) after a deliberate change; tests/api/test_schema.py compares it.
openapi: install
	DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file openapi.yaml

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .hypothesis .schemathesis
