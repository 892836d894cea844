# Two commands for a newcomer: `make run` and `make test`. Everything else is set up by them.
PY        ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
PG_URL    ?= postgres://postgres@127.0.0.1:5432/test
PORT      ?= 8000

# Debian packages the test suite uses (LibreOffice renders the official documents to PDF to check
# their layout; Noto CJK gives it Chinese glyphs; chromium runs the browser suite in tests/browser).
# Installed once, only when missing. postgresql-client: pg_dump/pg_restore for `banli backup|restore`
# on PostgreSQL (their tests run on PostgreSQL too).
DEB_TEST  := libreoffice-writer-nogui poppler-utils fonts-noto-cjk chromium postgresql-client

.PHONY: install run test system-deps demo bench clean drill

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip >/dev/null
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The demo is served as it would be deployed: DEBUG off (Chinese error pages, no debug page with the
# URL map), static files by WhiteNoise.
run: install
	$(BIN)/banli migrate --noinput
	$(BIN)/banli demo
	DEBUG=false $(BIN)/banli serve --port $(PORT)

demo: install
	$(BIN)/banli migrate --noinput
	$(BIN)/banli demo

# The suite runs on SQLite, then again on PostgreSQL when one answers; any failing run fails.
system-deps:
	@missing=$$(for p in $(DEB_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

test: install system-deps
	@bash scripts/test-all.sh

bench: install
	$(BIN)/python bench/run.py

# The multi-process drill (bench/drill.py, docs/operations.md): nginx in front of two gunicorn instances,
# the worker, PostgreSQL and Redis; not part of `make test`. Installs its Debian packages when missing.
DEB_DRILL := nginx redis-server postgresql-client
drill: install
	@missing=$$(for p in $(DEB_DRILL); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	$(BIN)/python bench/drill.py --json var/drill-report.json

clean:
	rm -rf $(VENV) var build *.egg-info
