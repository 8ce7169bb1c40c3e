# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= ../shared/rossmann

.PHONY: install demo test lint typecheck bench clean constraints

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/storecast demo --out demo-out

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

# mypy on src/storecast, settings in pyproject.toml [tool.mypy]
typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py --data $(DATA)

# After a deliberate upgrade (pip install -U ... in .venv, then make test): pin the new stack.
constraints: $(STAMP)
	{ echo "# Pinned versions every install uses (make install: pip install -c constraints.txt -e .[dev])."; \
	  echo "# The tested stack: regenerate with 'make constraints' after a deliberate upgrade, then run make test."; \
	  $(BIN)/python -m pip freeze --exclude-editable | sed 's/^torch==\([0-9.]*\)+cpu/torch==\1/'; } > constraints.txt

clean:
	rm -rf $(VENV) demo-out .pytest_cache .ruff_cache .mypy_cache
