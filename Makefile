# Operations ticket analytics. `make run` shows it work; `make test` proves it.
# Every target sets itself up: the first use creates .venv from requirements.lock.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ENV ?= local
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONPATH := $(CURDIR)
export TICKETS_ENV := $(ENV)
export PYTHONDONTWRITEBYTECODE := 1
ifdef YEARS  # a simulated feed of YEARS whole years (jobs/config.py), for every target
export TICKETS_YEARS := $(YEARS)
endif

RUN := $(PY) -m workstation  # the workstation commands (workstation/cli.py)

.PHONY: help setup data backfill daily replay upload preflight simulate status report run test rehearse reliability bench lint lint-python lock clean

help: ## List the targets
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock tools/venv.sh tools/python.sh tools/java.sh
	@bash tools/venv.sh $(VENV) requirements.lock
	@bash tools/java.sh $(VENV)
	@touch $@

setup: $(STAMP) ## Create the virtual environment and install pinned dependencies

# The BigQuery and Cloud Storage emulators of the cloud tests, in their own venv
# (their pins clash with the job's clients); see tools/emulators/setup.sh.
EMULATORS_VENV ?= .venv-emulators
EMULATORS_STAMP := $(EMULATORS_VENV)/.installed
$(EMULATORS_STAMP): tools/emulators/requirements.lock tools/emulators/setup.sh tools/venv.sh tools/python.sh
	@bash tools/emulators/setup.sh $(EMULATORS_VENV)
	@touch $@

data: $(STAMP) ## Generate the extracts [SCALE=1] [SEED=...] [YEARS=1] [FROM=... TO=...]
	$(RUN) data $(if $(SCALE),--scale $(SCALE)) $(if $(SEED),--seed $(SEED)) $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

backfill: $(STAMP) ## Load history [FROM=YYYY-MM-DD TO=YYYY-MM-DD] (default Jan 1 - Oct 31)
	$(RUN) backfill $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO))

daily: $(STAMP) ## Process the next pending day [DAYS=N to catch up N days]
	$(RUN) daily $(if $(DAYS),--max-days $(DAYS))

replay: $(STAMP) ## Recompute corrected days: FROM=YYYY-MM-DD (through the last processed day), or DATE=YYYY-MM-DD (the last one)
	@test -n "$(FROM)$(DATE)" || { echo "replay: set FROM=YYYY-MM-DD (or DATE=YYYY-MM-DD)"; exit 2; }
	$(RUN) replay $(if $(FROM),--from $(FROM)) $(if $(DATE),--date $(DATE))

upload: $(STAMP) ## Copy the extracts to the landing bucket: ENV=dev [FROM=... TO=...] [SOURCE=DIR]
	$(RUN) upload $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO)) $(if $(SOURCE),--source $(SOURCE))

preflight: $(STAMP) ## Before the first deploy and backfill: quotas and example values: ENV=dev
	$(RUN) preflight

simulate: $(STAMP) ## Local Cloud Scheduler: tick the trigger function until nothing is pending
	$(RUN) simulate

status: $(STAMP) ## Show ingestion_state: processed, pending and failed days
	$(RUN) status

report: $(STAMP) ## Write the HTML report (.local/report.html) from the warehouse
	$(RUN) report

run: $(STAMP) ## The whole year: data -> backfill -> simulate -> summary
	$(RUN) run

# The rehearsal of the deployed path first (its recorded calls feed tests/rehearsal), then
# the suite on two pytest-xdist workers, whole files each, in the order tests/conftest.py
# gives (the whole-pipeline files first; TEST_WORKERS=0 runs in one process), then infra.
TEST_WORKERS ?= 2
test: $(STAMP) $(EMULATORS_STAMP) ## Run every test, offline: the rehearsal, the pipeline, the cloud path on emulators, infra
	@$(MAKE) --no-print-directory rehearse ENV=dev
	TICKETS_EMULATORS_VENV=$(CURDIR)/$(EMULATORS_VENV) TICKETS_REQUIRE_EMULATORS=1 \
	TICKETS_REHEARSAL_CALLS=$(CURDIR)/.local/rehearsal/dev/calls.jsonl \
	  $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory test-infra

reliability: $(STAMP) $(EMULATORS_STAMP) ## Full crash sweep, gauntlet and concurrency, per warehouse: one table of figures
	TICKETS_EMULATORS_VENV=$(CURDIR)/$(EMULATORS_VENV) $(PY) -m tools.reliability $(RELIABILITY_ARGS)

bench: $(STAMP) ## Measure speed side by side with a DuckDB-SQL baseline
	$(PY) -m bench $(BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-infra

lint: lint-python lint-infra ## Static checks: ruff, checkov, actionlint, pip-audit, a secret scan (also as pre-commit hooks)

lint-python: $(STAMP) ## ruff: lint and formatting
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lock: $(STAMP) ## Re-resolve the lock files from pyproject.toml (see tools/lock.sh)
	bash tools/lock.sh

clean: ## Remove generated data, the warehouse and the virtual environments
	rm -rf .local $(VENV) $(EMULATORS_VENV) $(RUNTIME_VENV) dist

-include infra/infra.mk

# The deployed path rehearsed offline (rehearsal/): the function from its archive and its
# requirements alone, the batches through spark-submit on runtime 3.0's packages, every
# Google API call checked against the stack's grants. .venv-runtime holds exactly what
# Dataproc Serverless runtime 3.0 provides the job, on Python 3.12.
RUNTIME_VENV ?= .venv-runtime
RUNTIME_STAMP := $(RUNTIME_VENV)/.installed
$(RUNTIME_STAMP): rehearsal/runtime/dataproc-3.0.lock tools/venv.sh
	@python=$$(bash tools/python.sh) && "$$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' || \
	  { echo "rehearse: Python 3.12 (Dataproc runtime 3.0's) is needed; tools/python.sh found $$python" >&2; exit 1; }
	@VENV_PYTHON=$$(bash tools/python.sh) bash tools/venv.sh $(RUNTIME_VENV) rehearsal/runtime/dataproc-3.0.lock
	@touch $@

rehearse: $(STAMP) $(EMULATORS_STAMP) $(INFRA_STAMP) $(RUNTIME_STAMP) ## Rehearse the deployed path offline: ENV=dev (default), see rehearsal/
	TICKETS_EMULATORS_VENV=$(CURDIR)/$(EMULATORS_VENV) $(PY) -m rehearsal --env $(if $(filter local,$(ENV)),dev,$(ENV))

