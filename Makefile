# lcom — the two set-up commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
SYSTEM_PACKAGES = chromium redis-server
# Wait up to 10 minutes for another apt/dpkg process (unattended upgrades) instead of failing.
APT_WAIT = -o DPkg::Lock::Timeout=600

.PHONY: demo test install native system-deps lint format check clean screenshots learn

## demo: install everything, then crawl the bundled demo ad site and print a summary
DEMO_ARGS ?=
demo: install
	$(BIN)/lcom demo $(DEMO_ARGS)

## test: install everything, then run the test suite (TEST_WORKERS processes; 1: serial)
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest $(if $(filter-out 1,$(TEST_WORKERS)),-n $(TEST_WORKERS))

## screenshots: regenerate docs/screenshots/review-*.png from the demo (system Chromium)
screenshots: install
	$(BIN)/python -m crawler.review.screenshots --out docs/screenshots

## learn: retrain the indicator engine's learned backstop (pipelines/lexicons/learned.json)
## after changing the lexicon version, on the labelled sets whose errors were read (never
## on a set still held as an honest estimate: tests/engine/test_learned.py checks)
LEARN_SETS = $(addprefix tests/engine/data/,regression_2026_12.jsonl holdout_ha.jsonl \
	holdout_hb.jsonl blind_2026_12.jsonl dev_2026_12b.jsonl dev_2026_12d.jsonl \
	dev_2026_12g.jsonl dev_2026_12i.jsonl dev_2026_12k.jsonl dev_2026_12m.jsonl \
	blind_2026_12n.jsonl dev_2026_12o.jsonl blind_2026_12q.jsonl dev_2026_12r.jsonl)
learn: install
	$(BIN)/lcom learn $(LEARN_SETS)

install: system-deps $(STAMP) native

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

## native: rebuild the matcher's C extension (setup.py, mypyc) when the engine's sources
## changed since the build; LCOM_PURE_PYTHON=1 skips it (the source then runs, slower)
NATIVE_CURRENT = $(BIN)/python pipelines/engine/native.py
native: $(STAMP)
	@if [ "$$LCOM_PURE_PYTHON" != 1 ] && ! $(NATIVE_CURRENT); then \
	  echo "building the matcher's C extension (mypyc, under a minute)"; \
	  $(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .; \
	  $(NATIVE_CURRENT) || echo "WARNING: the C extension was not built (no C compiler?):" \
	    "the matcher runs from its source, slower; see: $(BIN)/pip install -v -e ."; \
	fi

## system-deps: Chromium (JavaScript pages) and redis-server, from the system package manager
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v cc >/dev/null 2>&1 || missing="$$missing gcc"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get $(APT_WAIT) update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get $(APT_WAIT) install -y -qq $$missing; \
	fi

lint: install
	$(BIN)/ruff check crawler pipelines legal_guardrails dashboards tests bench setup.py
	$(BIN)/ruff format --check crawler pipelines legal_guardrails dashboards tests bench setup.py
	$(BIN)/mypy

format: install
	$(BIN)/ruff format crawler pipelines legal_guardrails dashboards tests bench setup.py
	$(BIN)/ruff check --fix crawler pipelines legal_guardrails dashboards tests bench setup.py

## check: generated files (policy JSON Schema, Elasticsearch definitions) are up to date
check: install
	$(BIN)/lcom guardrails schema --check
	$(BIN)/python -m dashboards.build --check

clean:
	rm -rf $(VENV) var .pytest_cache build pipelines/engine/*.so pipelines/engine/*.built-from
