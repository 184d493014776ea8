#!/usr/bin/env bash
# Run the console. With no API configured it starts the embedded demo service.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
exec "${CONCIERGE_VENV:-$ROOT/.venv}/bin/python" "$ROOT/main.py" "$@"
