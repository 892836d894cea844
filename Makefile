# Two commands for a newcomer: `make run` and `make test`. Everything else is set up by them.
PY        ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
PG_URL    ?= postgres://postgres@127.0.0.1:5432/test
PORT      ?= 8000

.PHONY: install run test test-sqlite test-postgres demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip >/dev/null
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/banli migrate --noinput
	$(BIN)/banli demo
	$(BIN)/banli serve --port $(PORT)

demo: install
	$(BIN)/banli migrate --noinput
	$(BIN)/banli demo

# The suite runs on SQLite, then again on PostgreSQL when one answers; any failing run fails.
test: install
	@bash scripts/test-all.sh

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var build *.egg-info
