#!/usr/bin/env bash
# Set up (if needed) and run everything CI runs: the lock's freshness (in setup.sh), ruff, mypy, the
# import contracts (import-linter, pyproject.toml), then the test suite. Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" test
VENV="${CONCIERGE_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
cd "$ROOT"
echo "== ruff" && "$PY" -m ruff check . && "$PY" -m ruff format --check .
echo "== mypy" && "$PY" -m mypy
echo "== import contracts" && "$VENV/bin/lint-imports" --no-cache
echo "== pytest"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
# A private session bus so the keyring tests get a real (gnome-keyring) Secret Service.
exec dbus-run-session -- "$PY" -m pytest "$@"
