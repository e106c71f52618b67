# Two commands matter: `make run` and `make test` (README).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: run test lint install migrate seed serve worker bench clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; try: make PYTHON=python3 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(BIN)/activate

install: $(BIN)/activate

## run: install, migrate the local database, load demo data and serve on http://127.0.0.1:8000
run: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-on} $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=$${DJANGO_DEBUG:-on} $(PY) manage.py seed_demo
	@echo ""
	@echo "  API docs (Swagger UI): http://127.0.0.1:8000/docs/"
	@echo "  ReDoc:                 http://127.0.0.1:8000/redoc/"
	@echo "  Django admin:          http://127.0.0.1:8000/admin/"
	@echo "  Emails (notifications) are printed here by the background worker."
	@echo ""
	@# The worker (Procfile `worker`) runs beside the server, on the same SQLite file, and stops with it.
	DJANGO_DEBUG=$${DJANGO_DEBUG:-on} $(PY) manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=$${DJANGO_DEBUG:-on} $(PY) manage.py runserver 127.0.0.1:8000

## test: the whole suite (PostgreSQL when DATABASE_URL points at one, else SQLite with PG-only tests skipped)
test: install
	DJANGO_SETTINGS_MODULE=scheduler.settings.test $(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy

## worker: the background worker (notifications, reminders, hold expiry), as the Procfile runs it
worker: install
	$(PY) manage.py worker

## serve: production-like: gunicorn, debug off, static files collected
serve: install
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py migrate --no-input
	$(BIN)/gunicorn -c gunicorn.conf.py scheduler.wsgi

## bench: hospital-scale benchmark against the PostgreSQL at DATABASE_URL (not part of make test)
bench: install
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
