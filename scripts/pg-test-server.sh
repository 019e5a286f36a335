#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL server on 127.0.0.1 for the test suite and prints its URL.
set -euo pipefail
PORT="${CLINICREC_PG_PORT:-54329}"
DIR="${CLINICREC_PG_DIR:-/tmp/clinicrec-pg-$PORT}"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-start}" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      [ "$(id -u)" -eq 0 ] && chown postgres "$DIR"
      as_pg "$bindir/initdb" -D "$DIR" -U clinicrec --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      as_pg "$bindir/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c full_page_writes=off" start >/dev/null
    fi
    echo "postgresql+psycopg://clinicrec@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
