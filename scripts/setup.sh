#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine: the Qt system libraries (plus Xvfb and a
# headless Secret Service for the tests), a virtual environment, and the Python packages.
# Sourced by scripts/run.sh and scripts/test.sh; safe to run again and again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CONCIERGE_VENV:-$ROOT/.venv}"
EXTRAS="${1:-}"

# Qt's xcb and offscreen platforms need these; xvfb/xauth run a real drag, gnome-keyring and dbus
# give the keyring tests a real secret store; poppler-utils turns report PDFs into images.
DEB_PACKAGES=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 fonts-dejavu-core)
if [[ "$EXTRAS" == "test" ]]; then
  DEB_PACKAGES+=(xvfb xauth dbus dbus-x11 gnome-keyring poppler-utils)
fi
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    echo "setup: installing system packages: ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

PY="${PYTHON:-python3}"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "setup: creating $VENV" >&2
  "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.concierge-installed-$EXTRAS"
if [[ ! -f "$STAMP" || "$ROOT/pyproject.toml" -nt "$STAMP" ]]; then
  echo "setup: installing Python packages" >&2
  "$VENV/bin/python" -m pip install -q --upgrade pip
  if [[ -n "$EXTRAS" ]]; then
    "$VENV/bin/python" -m pip install -q -e "$ROOT[$EXTRAS]"
  else
    "$VENV/bin/python" -m pip install -q -e "$ROOT"
  fi
  touch "$STAMP"
fi
