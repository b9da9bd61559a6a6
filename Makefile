# Everyday commands. `make run` serves the demo site; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
JOBS ?= auto
export FLASK_APP := wsgi:app

.PHONY: install run test test-fast lint bench load security stack stack-check stack-stop restore-drill clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## run: set up everything and serve the demo site on http://127.0.0.1:$(PORT)
run: install
	DIALOGUE_ENV=development $(VENV)/bin/flask db upgrade
	@# The demo's notifications are mailed (to the log) with links on the same address.
	DIALOGUE_ENV=development PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
	    $(VENV)/bin/flask dialogue demo
	@echo "Serving Dialogue on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	@# PUBLIC_URL: the worker (digests, mail) has no request to take an address from.
	@export DIALOGUE_ENV=development PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)}; \
	    nice -n 10 $(VENV)/bin/flask dialogue worker & worker=$$!; \
	    trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	    $(VENV)/bin/flask dialogue serve --port $(PORT)

## test: the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set
test: install lint
	@# The first pass is the embedded default: SQLite, no Redis, even when CI has set
	@# the variables for the second pass.
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(PY) -m pytest -n 2 --dist loadgroup -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	    echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
	    $(PY) -m pytest -n 2 --dist loadgroup -q -m "not e2e"; \
	fi

## test-fast: the edit-test loop: unit and integration tests in parallel on SQLite, without
## the browser journeys, the load and the fault tests (see README for how long it takes)
test-fast: install
	env -u TEST_DATABASE_URL -u TEST_REDIS_URL $(PY) -m pytest -n $(JOBS) -q \
	    -p no:cacheprovider -m "not e2e" --ignore=tests/e2e --ignore=tests/load \
	    --ignore=tests/faults

## lint: ruff, bandit (high severity), the layers (import-linter), semgrep when installed
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/bandit -q -r dialogue -lll
	$(VENV)/bin/lint-imports --no-cache
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

## bench: every benchmark in benchmarks/, printing ratios against a same-run baseline, then a
## short whole-workshop room (docs/performance.md has the full room commands)
bench: install
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done
	@echo "== benchmarks/bench_workshops.py --room (short: 300 phones, 6 questions, one of each kind)"
	$(PY) benchmarks/bench_workshops.py --room --participants 300 --questions 6
	@echo "== benchmarks/bench_consensus.py --room (300 phones voting on a workshop's consensus map)"
	$(PY) benchmarks/bench_consensus.py --room --participants 300

## stack: the production-shaped stack on loopback: nginx on 127.0.0.1:8080 in front of
## gunicorn, the job worker, PostgreSQL and Redis (deploy/stack/start.sh; needs nginx)
stack: install
	deploy/stack/start.sh

stack-stop:
	deploy/stack/stop.sh

## restore-drill: on a running `make stack`: back up, wipe, restore, compare, check
restore-drill:
	deploy/stack/restore-drill.sh

## stack-check: start the stack, run deploy/stack/check.py through nginx, stop it
stack-check: install
	@deploy/stack/start.sh; \
	    $(PY) deploy/stack/check.py; status=$$?; \
	    deploy/stack/stop.sh; exit $$status

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache test-artifacts
