#!/usr/bin/env bash
# End-to-end suite: real clients (anthropic/openai SDKs, Claude Code, Codex) through the
# built relay against the fake upstream, inside a network namespace that has only loopback.
#
#   tests/e2e/run.sh [pytest args...]
#
# Env: SWITCHYARD_BIN (default .build/debug/switchyard), FAKE_UPSTREAM_BIN
# (default .build/debug/fake-upstream), E2E_VENV (default .venv), PYTHON (default python3),
# SWITCHYARD_E2E_RELAY_ARGS (extra args for `switchyard serve`).
# Output: test-output/e2e/{junit.xml,pytest.log}; exit code is pytest's.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
cd "$REPO"

VENV="${E2E_VENV:-$REPO/.venv}"
PY="${PYTHON:-python3}"
OUT="$REPO/test-output/e2e"
REQ="$HERE/requirements.txt"

abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$REPO/$1" ;; esac; }
export SWITCHYARD_BIN="$(abspath "${SWITCHYARD_BIN:-.build/debug/switchyard}")"
export FAKE_UPSTREAM_BIN="$(abspath "${FAKE_UPSTREAM_BIN:-.build/debug/fake-upstream}")"

for b in "$SWITCHYARD_BIN" "$FAKE_UPSTREAM_BIN"; do
  if [ ! -x "$b" ]; then
    echo "run.sh: missing binary $b (run 'swift build' first, or set SWITCHYARD_BIN / FAKE_UPSTREAM_BIN)" >&2
    exit 2
  fi
done

# --- venv + requirements (outside the namespace: this is the only step that uses the network)
if [ ! -x "$VENV/bin/python" ]; then
  echo "run.sh: creating venv $VENV"
  "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.e2e-requirements.sha256"
WANT="$( (sha256sum "$REQ"; "$VENV/bin/python" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$WANT" ]; then
  echo "run.sh: installing $REQ into $VENV"
  timeout 900 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
  echo "$WANT" > "$STAMP"
fi

# --- run pytest with only loopback
mkdir -p "$OUT"
rm -rf "$OUT/tmp"
if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
  echo "run.sh: needs unshare (util-linux) and ip (iproute2)" >&2
  exit 2
fi

set +e
timeout --kill-after=30 1800 unshare --net -- sh -c 'ip link set lo up && exec "$@"' sh \
  "$VENV/bin/python" -m pytest "$HERE" \
    -p no:cacheprovider \
    --basetemp="$OUT/tmp" \
    --junitxml="$OUT/junit.xml" \
    -o junit_family=xunit2 \
    -rfEs \
    "$@" 2>&1 | tee "$OUT/pytest.log"
rc=${PIPESTATUS[0]}
set -e
exit "$rc"
