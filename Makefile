# Everyday commands. `make run` serves the demo site; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
WORKERS ?= 2
export FLASK_APP := wsgi:app

.PHONY: install run serve test test-sqlite test-postgres test-e2e lint bench load security migrate-check clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## run: set up everything and serve the demo site on http://127.0.0.1:$(PORT)
run: install
	DIALOGUE_ENV=development $(VENV)/bin/flask db upgrade
	DIALOGUE_ENV=development $(VENV)/bin/flask dialogue demo
	@echo "Serving Dialogue on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	@export DIALOGUE_ENV=development; \
	    nice -n 10 $(VENV)/bin/flask dialogue worker & worker=$$!; \
	    trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	    $(VENV)/bin/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) \
	        --access-logfile - wsgi:app

## test: the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set
test: install lint
	@# The first pass is the embedded default: SQLite, no Redis, even when CI has set
	@# the variables for the second pass.
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(PY) -m pytest -n 2 --dist loadgroup -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	    echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
	    $(PY) -m pytest -n 2 --dist loadgroup -q -m "not e2e"; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -q -r dialogue -lll
	@if command -v semgrep >/dev/null; then \
	    semgrep --config semgrep/ --metrics=off --disable-version-check --error dialogue; \
	else echo "semgrep not installed: its rules run as tests/security/test_static_rules.py"; fi

## security: the full hostile-input corpus, sessions, CSRF, authorization, faults (slow)
security: install
	DIALOGUE_HEAVY=1 $(PY) -m pytest -q -s tests/security tests/privacy tests/faults

## load: 500 voters, 200 posters and researchers downloading against gunicorn, on SQLite
## and a PostgreSQL cluster of the test's own (needs root); prints the figures
load: install
	DIALOGUE_HEAVY=1 $(PY) -m pytest -q -s tests/load

## bench: every benchmark in benchmarks/, printing ratios against a same-run baseline
bench: install
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache test-artifacts
