#!/usr/bin/env bash
# Checks the import layers and the lint, then runs the whole suite on SQLite and, when reachable,
# on PostgreSQL.
# pytest's exit code 5 (no tests collected) counts as a failure.
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
status=0

run_suite() {
  local label=$1; shift
  echo "=== test run on ${label} ==="
  env "$@" $BIN/python -m pytest -n 2 -p no:cacheprovider
  local rc=$?
  if [ $rc -eq 5 ]; then echo "!!! ${label}: no tests were collected"; rc=1; fi
  if [ $rc -ne 0 ]; then echo "!!! ${label}: FAILED (exit ${rc})"; status=1; else echo "=== ${label}: passed ==="; fi
}

check() {
  local label=$1; shift
  echo "=== ${label} ==="
  if ! "$@"; then echo "!!! ${label}: FAILED"; status=1; fi
}

# Apps depend one way (pyproject.toml [tool.importlinter], docs/architecture.md "Layers").
check "import layers (lint-imports)" $BIN/lint-imports
check "lint (ruff check)" $BIN/ruff check .
check "format (ruff format --check)" $BIN/ruff format --check .

run_suite "SQLite" DATABASE_URL=

if $BIN/python - "$PG_URL" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://"), connect_timeout=3).close()
PY
then
  run_suite "PostgreSQL (${PG_URL})" DATABASE_URL="$PG_URL"
else
  echo "=== PostgreSQL not reachable at ${PG_URL}: skipped ==="
  if [ "${CI:-}" = "true" ]; then echo "!!! CI requires PostgreSQL"; status=1; fi
fi
exit $status
