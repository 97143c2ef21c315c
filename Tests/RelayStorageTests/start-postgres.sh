#!/bin/sh
# Starts a throwaway PostgreSQL cluster on 127.0.0.1 (random free port) for the storage tests
# and prints its URL on stdout, e.g.:
#   export SWITCHYARD_TEST_POSTGRES_URL="$(Tests/RelayStorageTests/start-postgres.sh /tmp/sy-pg)"
#   swift test --filter RelayStorageTests
#   Tests/RelayStorageTests/stop-postgres.sh /tmp/sy-pg
# Needs Debian's server binaries (apt-get install -y postgresql). As root it runs the server
# as the `postgres` user (initdb refuses root). Progress goes to stderr.
set -eu
DIR="${1:-$(mktemp -d /tmp/switchyard-pg.XXXXXX)}"
BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}"
[ -x "$BIN/initdb" ] || { echo "no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 1; }
PASSWORD="switchyard-test"

mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then
    chown postgres "$DIR"
    AS="runuser -u postgres --"
else
    AS=""
fi
printf '%s\n' "$PASSWORD" > "$DIR/pwfile"
chmod 600 "$DIR/pwfile"
[ "$(id -u)" = 0 ] && chown postgres "$DIR/pwfile"

$AS "$BIN/initdb" -D "$DIR/data" -U switchyard --pwfile="$DIR/pwfile" \
    --auth-host=scram-sha-256 --auth-local=trust --encoding=UTF8 --no-locale >"$DIR/initdb.log" 2>&1
# A random high port; if it is taken the server fails to start and we try another.
STARTED=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
    PORT="$(shuf -i 20000-60999 -n 1)"
    if $AS "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c max_connections=200" start >&2; then
        STARTED=1
        break
    fi
done
[ -n "$STARTED" ] || { echo "PostgreSQL did not start; see $DIR/server.log" >&2; exit 1; }
$AS "$BIN/createdb" -h "$DIR" -p "$PORT" -U switchyard switchyard
echo "$PORT" > "$DIR/port"
echo "PostgreSQL running in $DIR on 127.0.0.1:$PORT" >&2
echo "postgres://switchyard:$PASSWORD@127.0.0.1:$PORT/switchyard?sslmode=disable"
