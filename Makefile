# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= ../shared/rossmann

.PHONY: help install demo test lint typecheck bench clean constraints

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

help:
	@echo "make demo         create .venv, install, run the whole job on synthetic data (demo-out/)"
	@echo "make test         ruff, mypy (make lint, make typecheck) and the test suite"
	@echo "                  (tests on two processes; PYTEST_ARGS= for one)"
	@echo "make install      only create .venv and install storecast with the dev extra"
	@echo "make bench        benchmarks on DATA (default ../shared/rossmann)"
	@echo "make constraints  re-pin constraints.txt after a deliberate upgrade"
	@echo "make clean        remove .venv, demo-out and the tool caches"

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/storecast demo --out demo-out

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

# mypy on src/storecast, settings in pyproject.toml [tool.mypy]
typecheck: $(STAMP)
	$(BIN)/mypy

# pytest options for `make test`: the suite on two processes (pytest-xdist, in the dev extra), 6:50 against
# 8:01 sequential on 2 cores (docs/benchmarks.md); PYTEST_ARGS= runs it in one process. Keep xdist's default
# --dist load: loadfile, loadscope and loadgroup run one of tests/api/test_fuzz.py's seven operations, which
# share one node id, and drop the other six without a word.
PYTEST_ARGS ?= -n 2

test: lint typecheck
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py --data $(DATA)

# After a deliberate upgrade (pip install -U ... in .venv, then make test): pin the new stack.
constraints: $(STAMP)
	{ echo "# Pinned versions every install uses (make install: pip install -c constraints.txt -e .[dev])."; \
	  echo "# The tested stack: regenerate with 'make constraints' after a deliberate upgrade, then run make test."; \
	  $(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\([0-9.]*\)+cpu/torch==\1/'; } > constraints.txt

clean:
	rm -rf $(VENV) demo-out .pytest_cache .ruff_cache .mypy_cache
