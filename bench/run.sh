#!/usr/bin/env bash
# Switchyard benchmark: the same fake upstream measured directly, through a plain nginx
# proxy_pass and through Switchyard, on 127.0.0.1 only. See docs/BENCHMARKS.md.
#
#   bash bench/run.sh [--profile] [bench.py options, e.g. --duration 5]
#   bash bench/run.sh --issues     # only the failover, chat-conversion and ledger scripts
#   bash bench/run.sh --all        # bench.py, then those three
#   SWITCHYARD_BIN_DIR=/path/with/switchyard+fake-upstream bash bench/run.sh   # skip the build
#
# Bounded: bench.py takes about 2.5 minutes (hard limit 8 minutes); failover.py, chat.py and
# ledger.py about 1, 2.5 and 2 minutes (hard limits 4, 6 and 6 minutes). A cold release build
# adds about 6 minutes on a 2-core machine (hard limit 20 minutes), an incremental one seconds.
# Raw results: bench/results/*.json. Needs root only to apt-get install nginx and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ "${#need[@]}" -gt 0 ]; then
    echo "[bench] installing ${need[*]} (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get update -qq
    timeout 300 apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"
command -v python3 >/dev/null || { echo "[bench] python3 is required" >&2; exit 1; }

if [ -n "${SWITCHYARD_BIN_DIR:-}" ]; then
    # Prebuilt binaries (e.g. a release build of another commit): no build here.
    echo "[bench] using prebuilt binaries in $SWITCHYARD_BIN_DIR"
else
    echo "[bench] building release binaries (switchyard, fake-upstream, chat-bench)"
    # (swift build honours only the last --product flag, so one build per product.)
    for product in switchyard fake-upstream chat-bench; do
        timeout 1200 swift build -c release --product "$product" 2>&1 | tail -n 1
    done
fi

# 1000 client sockets + 1000 relay sockets per side: make sure descriptors are not the limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

mode=main
case "${1:-}" in
    --issues) mode=issues; shift ;;
    --all) mode=all; shift ;;
esac
if [ "$mode" != issues ]; then
    timeout --signal=TERM --kill-after=20 480 python3 bench/bench.py "$@"
fi
if [ "$mode" != main ]; then
    timeout --signal=TERM --kill-after=20 240 python3 bench/failover.py
    timeout --signal=TERM --kill-after=20 360 python3 bench/chat.py
    timeout --signal=TERM --kill-after=20 360 python3 bench/ledger.py
fi
