#!/usr/bin/env bash
# Build the one-folder bundle (dist/concierge) with PyInstaller, run its --selftest, print its size and
# the build time. PyInstaller is a build tool: it is installed into the venv here, never a run-time
# dependency of the console. Linux (and macOS); Windows: packaging/build.ps1.
#   bash packaging/build.sh            # bundle + selftest
#   bash packaging/build.sh --no-test  # bundle only
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CONCIERGE_VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
OUT="${CONCIERGE_DIST:-$ROOT/dist}"
WORK="${CONCIERGE_BUILD:-$ROOT/build}"
cd "$ROOT"
[[ -x "$PY" ]] || bash "$ROOT/scripts/setup.sh"
"$PY" -m PyInstaller --version >/dev/null 2>&1 || "$PY" -m pip install -q "pyinstaller>=6.10,<7"

start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath "$OUT" --workpath "$WORK" \
  packaging/concierge.spec
elapsed=$(( $(date +%s) - start ))
BUNDLE="$OUT/concierge"
echo "bundle: $BUNDLE built in ${elapsed} s"
echo "bundle size: $(du -sh "$BUNDLE" | cut -f1) ($(find "$BUNDLE" -type f | wc -l) files)"

if [[ "${1:-}" != "--no-test" ]]; then
  # Offscreen, a throw-away log dir: the selftest leaves nothing behind on the build machine.
  logs="$(mktemp -d)"
  trap 'rm -rf "$logs"' EXIT
  CONCIERGE_LOG_DIR="$logs" "$BUNDLE/concierge" --selftest
fi
