# The few commands a newcomer needs. `make run` and `make test` create .venv and install
# requirements.txt on first use (and again whenever it changes).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.requirements-installed
HOST ?= 127.0.0.1
PORT ?= 8000

# Compiled message catalogues are built here from the committed .po files, never committed.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test lint format bench demo deps clean conformance messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(DEPS): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(DEPS)

%.mo: %.po
	msgfmt --check-format -o $@ $<

deps: $(DEPS) $(MO_FILES)

## messages: update the catalogues under locale/ from the code and templates (then translate the new entries)
messages: $(DEPS)
	$(PY) manage.py makemessages -l zh_Hant -l ko --extension=html,txt,py,svg --no-location --ignore=.venv --ignore=tests --ignore=bench --ignore=var

## run: the embedded default (SQLite + Celery on its own SQLite broker), web on $(HOST):$(PORT)
run: $(DEPS) $(MO_FILES)
	$(PY) manage.py run_embedded --host $(HOST) --port $(PORT)

## test: the whole suite (SQLite, or PostgreSQL when CORRIDOR_DATABASE_URL points at one)
test: $(DEPS) $(MO_FILES)
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest --durations=15 $(PYTEST_ARGS)

## conformance: the three W3C VC test suites (restored first: README, Tests) against a Corridor started here
conformance: $(DEPS)
	PYTHON=$(PY) bin/conformance $(CONFORMANCE_SUITES)

## lint: ruff, migrations in step with the models, and the layer contract (pyproject.toml [tool.importlinter])
lint: $(DEPS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports --no-cache

format: $(DEPS)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(DEPS)
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

demo: $(DEPS)
	$(PY) manage.py migrate
	$(PY) manage.py demo_corridor --logins

clean:
	rm -rf var/ .pytest_cache .ruff_cache
