# edhub — the two commands that matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Where `make run` takes the official files when there is no Internet access (extracts shipped beside the project).
OPENDATA_FROM ?= ../shared/opendata
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# Test processes (pytest-xdist): one per core; each builds its own test database (test_test_gw0, _gw1… on PostgreSQL).
TEST_WORKERS ?= auto

.PHONY: install run serve data test test-sqlite test-postgres lint format bench lock clean

## Install everything: system packages (Chromium for browser tests), Python venv, npm packages. Idempotent.
install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

/usr/bin/chromium:
	apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null 2>&1 || \
	  (apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium fonts-dejavu-core >/dev/null)

## Set up the embedded database, load the reference geography and the available open data, then serve.
run: install data var/static/.collected serve

data: install
	$(BIN)/edhub setup
	@if [ -d "$(OPENDATA_FROM)" ]; then $(BIN)/edhub fetch --from "$(OPENDATA_FROM)" -v0; \
	  else $(BIN)/edhub fetch --retries 2 || echo "Données ouvertes indisponibles (hors ligne ?) : la plateforme démarre avec ce qui est déjà en cache."; fi
	$(BIN)/edhub import --all -v0
	$(BIN)/edhub compute -v0
	$(BIN)/edhub tiles
	$(BIN)/edhub demo

# Static files (DSFR, htmx…) collected and compressed once, again only when a package or a static file changes.
STATIC_SOURCES := $(shell find edhub/static -type f 2>/dev/null)
var/static/.collected: requirements.txt package-lock.json $(STATIC_SOURCES)
	$(BIN)/edhub collectstatic --noinput -v0
	touch $@

# The web server, and beside it the worker of background tasks (large uploads, recomputations), stopped with it.
serve:
	@echo "edhub sur http://127.0.0.1:$(PORT)/"
	$(BIN)/edhub db_worker --interval 2 -v0 & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  PORT=$(PORT) GUNICORN_ACCESSLOG=- $(BIN)/gunicorn edhub.wsgi --config gunicorn.conf.py

## The whole test suite: lint, migrations check, then every test on SQLite and on PostgreSQL.
test: install /usr/bin/chromium lint
	$(BIN)/edhub makemigrations --check --dry-run >/dev/null
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite:
	$(BIN)/pytest -q -n $(TEST_WORKERS)

test-postgres:
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	DATABASE_URL=$(PG_URL) CONN_MAX_AGE=0 $(BIN)/pytest -q -n $(TEST_WORKERS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint --check edhub/templates

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djlint --reformat edhub/templates || true

## Benchmarks on the real files, each figure printed against its target.
bench: install
	$(BIN)/python bench/run.py

## Re-pin the Python dependencies after editing requirements*.in.
lock:
	rm -rf /tmp/edhub-lock && $(PYTHON) -m venv /tmp/edhub-lock
	/tmp/edhub-lock/bin/pip install --quiet -r requirements.in
	/tmp/edhub-lock/bin/pip freeze > requirements.txt
	/tmp/edhub-lock/bin/pip install --quiet -r requirements-dev.in
	(echo "-r requirements.txt"; /tmp/edhub-lock/bin/pip freeze | grep -vxFf requirements.txt) > requirements-dev.txt

clean:
	rm -rf $(VENV) node_modules var
