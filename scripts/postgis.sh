#!/usr/bin/env bash
# Provisions a private PostgreSQL 15 + PostGIS cluster that listens on a Unix
# socket only (listen_addresses=''), so it never clashes with another server.
#
#   scripts/postgis.sh run    data kept between runs; prints its DATABASE_URL
#   scripts/postgis.sh test   throw-away cluster tuned for speed (fsync off)
#   scripts/postgis.sh bench  benchmark cluster (fsync off; holds 1M generated entities)
#   scripts/postgis.sh stop [run|test|bench]
#   scripts/postgis.sh clean [run|test|bench]   stop it and delete its data
#
# Where the data lives (named in the README):
#   root:      /var/lib/sse-platform/<run|test>    (owned by the postgres user)
#   non-root:  ~/.local/share/sse-platform/<run|test>
# Override with SSE_PGDATA. The socket is in /tmp/sse-pg-<uid>-<run|test>.
# Everything here is skipped when DATABASE_URL is already set.
set -euo pipefail

mode=${1:-run}
action=start
if [ "$mode" = stop ] || [ "$mode" = clean ]; then action=$mode; mode=${2:-run}; fi
case "$mode" in run|test|bench) ;; *) echo "usage: $0 [stop] run|test|bench" >&2; exit 2 ;; esac

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DBNAME=${SSE_DBNAME:-sse}
uid=$(id -u)
if [ "$uid" -eq 0 ]; then
  DATA=${SSE_PGDATA:-/var/lib/sse-platform/$mode}
  as_pg() { runuser -u postgres -- "$@"; }
  owner=postgres
else
  DATA=${SSE_PGDATA:-$HOME/.local/share/sse-platform/$mode}
  as_pg() { "$@"; }
  owner=$(id -un)
fi
SOCK=/tmp/sse-pg-$uid-$mode

if [ "$action" = stop ] || [ "$action" = clean ]; then
  if [ -f "$DATA/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null; fi
  if [ "$action" = clean ]; then rm -rf "$DATA" && echo "Deleted $DATA"; fi
  exit 0
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  echo "Creating a private PostgreSQL cluster in $DATA" >&2
  if [ "$uid" -eq 0 ]; then
    install -d -o postgres -g postgres -m 700 "$DATA"
  else
    mkdir -p "$DATA" && chmod 700 "$DATA"
  fi
  as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"/tmp/sse-initdb-$uid-$mode.log" 2>&1 \
    || { cat "/tmp/sse-initdb-$uid-$mode.log" >&2; exit 1; }
fi

if [ "$uid" -eq 0 ]; then
  install -d -o "$owner" -g "$owner" -m 755 "$SOCK"
else
  mkdir -p "$SOCK"
fi

opts="-k $SOCK -c listen_addresses=''"
if [ "$mode" != run ]; then
  # Durability is pointless for a throw-away test database; speed is not.
  opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB -c shared_buffers=1GB -c work_mem=64MB"
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -o "$opts" start >/dev/null \
    || { tail -20 "$DATA/server.log" >&2; exit 1; }
fi

psql_() { PGOPTIONS="-c client_min_messages=warning" psql -h "$SOCK" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_ -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$DBNAME'")" != 1 ]; then
  psql_ -d postgres -c "CREATE DATABASE $DBNAME" >/dev/null
fi
# The test database is created by Django from template1: give it PostGIS too.
psql_ -d template1 -c 'CREATE EXTENSION IF NOT EXISTS postgis' >/dev/null
psql_ -d "$DBNAME" -c 'CREATE EXTENSION IF NOT EXISTS postgis' >/dev/null

# Socket directory percent-encoded as the host, as dj-database-url expects.
echo "postgis://postgres@${SOCK//\//%2F}/$DBNAME"
