#!/usr/bin/env bash
# One command to set up and run every test (what CI runs: .ci/run calls this script).
# Starts a throwaway PostgreSQL server on loopback so the database tests run on PostgreSQL too,
# unless CLINICREC_TEST_PG_URL is already set (or CLINICREC_SKIP_PG=1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1

if [ -z "${CLINICREC_TEST_PG_URL:-}" ] && [ "${CLINICREC_SKIP_PG:-0}" != "1" ]; then
  if url=$(bash scripts/pg-test-server.sh start); then
    export CLINICREC_TEST_PG_URL="$url"
    trap 'bash scripts/pg-test-server.sh stop >/dev/null 2>&1 || true' EXIT
  else
    echo "!! PostgreSQL test server could not start; PostgreSQL tests will be skipped" >&2
  fi
fi
if [ "$#" -eq 0 ]; then  # the whole check: lint, types, then every test
  echo "== ruff"
  .venv/bin/ruff check clinicrec tests benchmarks main.py
  echo "== mypy (domain, db, services, pdf, demo)"
  .venv/bin/mypy
  echo "== import-linter (layer contracts in pyproject.toml)"
  .venv/bin/lint-imports --no-cache
fi
echo "== pytest"
.venv/bin/python -m pytest "$@"
