#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine: the Qt system libraries (plus Xvfb and a
# headless Secret Service for the tests), a virtual environment, and the Python packages, installed from
# the lock files with their hashes checked (requirements.lock; with `test`, requirements-test.lock) by the
# uv they name (fast: parallel downloads, a shared cache).
# Sourced by scripts/run.sh and scripts/test.sh; safe to run again and again, and quick the second time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CONCIERGE_VENV:-$ROOT/.venv}"
EXTRAS="${1:-}"
PY="${PYTHON:-python3}"

# Qt's xcb and offscreen platforms need these; xvfb/xauth run a real drag, gnome-keyring and dbus
# give the keyring tests a real secret store; poppler-utils turns report PDFs into images.
DEB_PACKAGES=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 fonts-dejavu-core)
if [[ "$EXTRAS" == "test" ]]; then
  # postgresql: the gateway's tests start a private cluster with its initdb and pg_ctl (tests/helpers/postgres.py).
  DEB_PACKAGES+=(xvfb xauth dbus dbus-x11 gnome-keyring poppler-utils postgresql)
fi
# A bare Debian has no Python, or one without venv (ensurepip): Debian's python3 is 3.11 or newer.
if [[ ! -x "$VENV/bin/python" ]] && ! "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then
  DEB_PACKAGES+=(python3 python3-venv)
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

# A lock older than pyproject.toml would install the wrong set: say so rather than install it.
bash "$ROOT/scripts/lock.sh" --check

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "setup: creating $VENV" >&2
  "$PY" -m venv "$VENV"
fi
LOCK="$ROOT/requirements.lock"
[[ "$EXTRAS" == "test" ]] && LOCK="$ROOT/requirements-test.lock"
# Installed once per content of the lock and of pyproject.toml (entry points, packages).
STAMP="$VENV/.concierge-installed-${EXTRAS:-run}"
WANT="$(cat "$LOCK" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANT" ]]; then
  echo "setup: installing Python packages from ${LOCK#"$ROOT"/}" >&2
  # First the installer, uv, at the version the lock names and with its hashes checked (by pip).
  uv_want="$(sed -n 's/^uv==\([^ ]*\).*/\1/p' "$LOCK")"
  uv_have="$("$VENV/bin/uv" --version 2>/dev/null | cut -d' ' -f2 || true)"
  if [[ "$uv_have" != "$uv_want" ]]; then
    pin="$(mktemp)"
    awk '/^uv==/ {on = 1; print; next} on && /^ / {print; next} {on = 0}' "$LOCK" > "$pin"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r "$pin"
    rm -f "$pin"
  fi
  # Then exactly the lock (every package pinned, every hash checked, anything else removed), and the
  # project itself, editable, built by the locked setuptools (no build isolation: nothing unlocked).
  # Compiled to bytecode here (~7 s), as a pip install does: a machine that sets PYTHONDONTWRITEBYTECODE
  # (CI images do) otherwise compiles ~1 s of imports again in every process (the console, each CLI run).
  "$VENV/bin/uv" pip sync -q --python "$VENV/bin/python" --require-hashes --compile-bytecode "$LOCK"
  "$VENV/bin/uv" pip install -q --python "$VENV/bin/python" --no-deps --no-build-isolation -e "$ROOT"
  echo "$WANT" > "$STAMP"
fi
