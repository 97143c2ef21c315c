#!/bin/sh
# Stops the cluster started by start-postgres.sh and deletes its directory.
set -eu
DIR="$1"
BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}"
if [ "$(id -u)" = 0 ]; then AS="runuser -u postgres --"; else AS=""; fi
[ -d "$DIR/data" ] && $AS "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
rm -rf "$DIR"
