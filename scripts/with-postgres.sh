#!/usr/bin/env bash
# Usage: scripts/with-postgres.sh CMD [ARGS...]
#
# Runs CMD against a throwaway PostgreSQL cluster on 127.0.0.1 and a free
# port, with DATABASE_URL=postgres://postgres@127.0.0.1:PORT/medoffice
# exported. The cluster is stopped and deleted on exit, even on failure, and
# the script exits with CMD's exit code. One cluster per run, not per test:
# the Django test runner creates test_medoffice(_gwN) in it itself.
#
# MEDOFFICE_PG_KEEP=DIR keeps the cluster's data in DIR instead (made on the
# first run, started again by the next, stopped but never deleted): for
# benchmarks whose PostgreSQL data takes minutes to generate, e.g.
#   MEDOFFICE_PG_KEEP=bench/.cache/pg scripts/with-postgres.sh \
#       .venv/bin/python bench/run.py --size 20000 --only ar_aging
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 CMD [ARGS...]" >&2
    exit 2
fi

# The server binaries are not on PATH on Debian: ask dpkg, then look in the
# usual place, then fall back to PATH (other systems).
find_pg_bin() {
    local initdb
    initdb=$(dpkg -L postgresql-15 2>/dev/null | grep '/bin/initdb$' | head -n 1 || true)
    if [ -z "$initdb" ]; then
        initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    fi
    if [ -z "$initdb" ]; then
        initdb=$(command -v initdb || true)
    fi
    if [ -n "$initdb" ]; then dirname "$initdb"; fi
}

PG_BIN=$(find_pg_bin)
if [ -z "$PG_BIN" ]; then
    echo "SKIPPED PostgreSQL run: no PostgreSQL binaries"
    exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/medoffice-pg.XXXXXX")
DATA="$TMP/data"
KEEP="${MEDOFFICE_PG_KEEP:-}"
if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP"
    DATA="$(cd "$KEEP" && pwd)/data"
fi
SOCK="$TMP/sock"
mkdir "$SOCK"

# initdb and postgres refuse to run as root: use the package's postgres user
# then, and the current user otherwise. cd to the temp dir so postgres never
# trips over a working directory it cannot read.
if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$TMP"
    if [ -n "$KEEP" ]; then chown postgres: "$(dirname "$DATA")"; fi
    as_pg() { (cd "$TMP" && runuser -u postgres -- "$@"); }
else
    as_pg() { (cd "$TMP" && "$@"); }
fi

STARTED=0
cleanup() {
    if [ "$STARTED" -eq 1 ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port from the kernel; the tiny window before postgres binds it is
# acceptable for a test run.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# -U postgres: the superuser is called postgres whoever runs initdb, so the
# URL below is the same as root and as a normal user.
FRESH=1
if [ -f "$DATA/PG_VERSION" ]; then
    FRESH=0
else
    as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi

# Durability is a requirement of the product, but this cluster holds only
# throwaway test data, so fsync, synchronous_commit and full_page_writes are
# off HERE ONLY to keep the suite fast. Never copy these flags elsewhere.
# MEDOFFICE_PG_DURABLE=1 keeps PostgreSQL's durable defaults instead: for
# benchmarks whose figures depend on what a commit costs.
FAST="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if [ "${MEDOFFICE_PG_DURABLE:-0}" = "1" ]; then FAST=""; fi
STARTED=1
as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$TMP/postgres.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $PORT -k $SOCK $FAST" \
    >/dev/null || { cat "$TMP/postgres.log" >&2; exit 1; }

if [ "$FRESH" -eq 1 ]; then
    as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres medoffice
fi

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/medoffice"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2

rc=0
"$@" || rc=$?
exit "$rc"
