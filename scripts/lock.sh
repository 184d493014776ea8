#!/usr/bin/env bash
# The lock files scripts/setup.sh installs from, with a hash for every file pip may download:
#   requirements.lock       the run-time dependencies (scripts/run.sh)
#   requirements-test.lock  the same plus the test extra (scripts/test.sh, CI)
# Both hold every platform and Python >= 3.11 (uv's universal resolution), setuptools (the build backend:
# the project itself is installed without build isolation), uv (the installer setup.sh uses, and this
# script), and a digest of the dependency tables of pyproject.toml, so that a stale lock is caught.
#
#   bash scripts/lock.sh            refresh both after pyproject.toml changed; versions already locked
#                                   stay as they are wherever they still fit
#   bash scripts/lock.sh --upgrade  take the newest versions that fit
#   bash scripts/lock.sh --check    exit 1 when a lock is stale (offline, no uv needed; setup.sh runs it)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CONCIERGE_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
[[ -x "$VENV/bin/python" ]] && PY="$VENV/bin/python"
LOCKS=("$ROOT/requirements.lock" "$ROOT/requirements-test.lock")
MARK="# pyproject.toml dependencies sha256:"
INSTALLER="uv>=0.9"  # setup.sh installs with it; lock.sh resolves with it

digest() {
  "$PY" - "$ROOT/pyproject.toml" <<'EOF'
import hashlib, json, sys, tomllib
with open(sys.argv[1], "rb") as f:
    doc = tomllib.load(f)
project = doc.get("project", {})
tables = {
    "requires-python": project.get("requires-python"),
    "dependencies": project.get("dependencies", []),
    "optional-dependencies": project.get("optional-dependencies", {}),
    "build-system.requires": doc.get("build-system", {}).get("requires", []),
}
print(hashlib.sha256(json.dumps(tables, sort_keys=True).encode()).hexdigest())
EOF
}

if [[ "${1:-}" == "--check" ]]; then
  want="$(digest)"
  for lock in "${LOCKS[@]}"; do
    if [[ ! -f "$lock" ]] || ! grep -qxF "$MARK $want" "$lock"; then
      echo "${lock#"$ROOT"/} is stale against pyproject.toml's dependencies: run bash scripts/lock.sh" >&2
      exit 1
    fi
  done
  exit 0
fi

UPGRADE=()
case "${1:-}" in
  "") ;;
  --upgrade) UPGRADE=(--upgrade) ;;
  *) echo "usage: bash scripts/lock.sh [--upgrade | --check]" >&2; exit 2 ;;
esac

# uv resolves for every platform at once; it is a tool of this script only, kept in the venv.
if [[ ! -x "$VENV/bin/uv" ]]; then
  [[ -x "$VENV/bin/python" ]] || { echo "no $VENV: run bash scripts/setup.sh first" >&2; exit 1; }
  "$VENV/bin/python" -m pip install -q "$INSTALLER"
fi
UV="$VENV/bin/uv"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PY" - "$ROOT/pyproject.toml" > "$work/build-system.txt" <<'EOF'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    print("\n".join(tomllib.load(f)["build-system"]["requires"]))
EOF
echo "$INSTALLER" > "$work/installer.txt"

compile() {  # compile OUT [uv options...]
  local out="$1"
  shift
  # The versions locked so far are preferred.
  if [[ -f "$out" ]]; then cp "$out" "$work/out.txt"; else : > "$work/out.txt"; fi
  (cd "$ROOT" && "$UV" pip compile --quiet pyproject.toml "$work/build-system.txt" "$work/installer.txt" \
    --universal --python-version 3.11 --generate-hashes --custom-compile-command "bash scripts/lock.sh" \
    ${UPGRADE[@]+"${UPGRADE[@]}"} -o "$work/out.txt" "$@")
  { echo "$MARK $(digest)"; sed -e "s|-r $work/build-system.txt|build-system.requires (pyproject.toml)|" \
      -e "s|-r $work/installer.txt|the installer (scripts/lock.sh)|" "$work/out.txt"; } > "$out"
}

# The test lock first; the run-time lock is held to the same versions.
compile "$ROOT/requirements-test.lock" --extra test
compile "$ROOT/requirements.lock" --constraint requirements-test.lock
echo "locked: requirements.lock ($(grep -c '^[a-z]' "$ROOT/requirements.lock") packages)," \
  "requirements-test.lock ($(grep -c '^[a-z]' "$ROOT/requirements-test.lock") packages)"
