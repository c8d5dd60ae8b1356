# The two commands of the README: `make run` (dashboard with demo data) and `make test` (whole suite).
# Both install what is missing first and are safe to run again.
SHELL := /bin/bash
SETUP := bash scripts/setup.sh
PY := .venv/bin/python
DBURL = $$($(SETUP) dburl)
WORKERS ?= 2
BIND ?= 127.0.0.1:8050

.PHONY: run test setup setup-dev db migrate demo-data lint serve cluster cluster-stop faults backup

run: setup db migrate demo-data serve

test: setup-dev db
	@echo "==> checks: ruff, mypy, import contracts"
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	.venv/bin/lint-imports
	@echo "==> tests (throw-away database in the same cluster)"
	DATABASE_URL=$(DBURL) $(PY) -m pytest --durations=25 $(PYTEST_ARGS)

setup:
	@$(SETUP) system venv

setup-dev:
	@$(SETUP) system system-browser system-backup venv-dev

db:
	@$(SETUP) db

migrate:
	@echo "==> applying migrations"
	@DATABASE_URL=$(DBURL) $(PY) -m geodata db upgrade

demo-data:
	@DATABASE_URL=$(DBURL) $(PY) -m geodata sample --if-empty

serve:
	@if (exec 3<>/dev/tcp/$(subst :,/,$(BIND))) 2>/dev/null; then \
		echo "==> something already listens on $(BIND): is the dashboard running? (BIND=… picks another)"; \
		exit 1; fi
	@echo "==> serving the dashboard on http://$(BIND) ($(WORKERS) workers) and running the"
	@echo "    background jobs (rollups, forecasts); Ctrl-C stops both"
	@export DATABASE_URL=$(DBURL); $(PY) -m geodata worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
		.venv/bin/gunicorn --workers $(WORKERS) --threads 4 --bind $(BIND) \
		--access-logfile - app:server

# Continuous backup of the local cluster (README, "Backups and restore"): pgBackRest installed,
# WAL archiving on, the stanza made, a base backup taken. Safe to run again (another backup).
backup: setup db migrate
	@$(SETUP) system-backup backup

lint:
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy && .venv/bin/lint-imports

# Scale-out on loopback (README, "Scale-out"): primary + streaming replica + 2 app nodes + nginx
# on http://127.0.0.1:18080 (PGBOUNCER=1: the nodes write through pgbouncer); `make cluster-stop`.
cluster:
	@bash scripts/cluster.sh start

cluster-stop:
	@bash scripts/cluster.sh stop

# The fault checks against the running cluster (scripts/faults.py): PASS/FAIL per fault.
faults:
	@DATABASE_URL=$$(bash scripts/cluster.sh url) $(PY) scripts/faults.py
