#!/usr/bin/env bash
# Set everything up, then run the whole check suite: lint, format, type check, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy (core)"; .venv/bin/mypy
echo "== pytest"; .venv/bin/python -m pytest "$@"
