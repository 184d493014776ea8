#!/usr/bin/env bash
# Set up (if needed) and run everything CI runs: ruff, mypy, then the test suite (which includes the
# import contract: console/ never imports Qt). Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" test
PY="${CONCIERGE_VENV:-$ROOT/.venv}/bin/python"
cd "$ROOT"
echo "== ruff" && "$PY" -m ruff check . && "$PY" -m ruff format --check .
echo "== mypy" && "$PY" -m mypy
echo "== pytest"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
# A private session bus so the keyring tests get a real (gnome-keyring) Secret Service.
exec dbus-run-session -- "$PY" -m pytest "$@"
