#!/usr/bin/env bash
# A throw-away PostgreSQL 15 server for the tests, on loopback only.
#   scripts/postgres.sh start   initialise (first time) and start it; installs PostgreSQL
#                               from Debian's packages when no server binaries are found
#   scripts/postgres.sh stop    stop it (the data directory is kept until `make clean`)
#   scripts/postgres.sh env     print the PG* variables that point dbt and the tests at it
#   scripts/postgres.sh dir     print the server's directory (data, logs)
#   scripts/postgres.sh clean   stop it and delete its directory
# Settings: PA_PG_DIR (the server's directory), PA_PG_PORT (default 54329).
#
# The server's directory defaults to .pg in the project root, except as root: initdb and
# postgres then run as the `postgres` user, who cannot enter a clone in a private folder
# (a `mktemp -d` folder, /root), so the directory is a postgres-owned one under /var/tmp,
# named after the project path and the port (an existing .pg of an earlier run is kept).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${PA_PG_PORT:-54329}"
if [ -n "${PA_PG_DIR:-}" ]; then
    pgdir="$PA_PG_DIR"
elif [ "$(id -u)" -eq 0 ] && [ ! -f "$root/.pg/data/PG_VERSION" ]; then
    pgdir="/var/tmp/product_analytics-pg-$(printf '%s:%s' "$root" "$port" | sha256sum | cut -c1-16)"
else
    pgdir="$root/.pg"
fi
data="$pgdir/data"
log="$pgdir/server.log"
database="product_analytics"

find_bin() {
    local name="$1"
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    local candidate
    for candidate in /usr/lib/postgresql/*/bin/"$name"; do
        [ -x "$candidate" ] && { echo "$candidate"; return; }
    done
    return 1
}

ensure_installed() {
    if find_bin initdb >/dev/null && find_bin pg_ctl >/dev/null; then return; fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "postgres.sh: PostgreSQL server binaries (initdb, pg_ctl) not found; install PostgreSQL 15 (e.g. apt-get install postgresql-15)" >&2
        exit 1
    fi
    echo "postgres.sh: installing PostgreSQL from Debian's packages..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

# initdb and postgres refuse to run as root: run them as the `postgres` system user then.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    ensure_installed
    local initdb pg_ctl
    initdb="$(find_bin initdb)"
    pg_ctl="$(find_bin pg_ctl)"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        # Under /var/tmp anyone may create the name first: use it only if root or postgres owns it.
        if [ -e "$pgdir" ] && [ "$(stat -c %U "$pgdir")" != postgres ] && [ "$(stat -c %U "$pgdir")" != root ]; then
            echo "postgres.sh: $pgdir belongs to $(stat -c %U "$pgdir"), not postgres; set PA_PG_DIR to another directory" >&2
            exit 1
        fi
        mkdir -p "$pgdir"
        chown postgres "$pgdir"
        chmod 700 "$pgdir"
        if ! runuser -u postgres -- test -w "$pgdir"; then
            echo "postgres.sh: the postgres user cannot write to $pgdir (a parent folder is private); set PA_PG_DIR to a directory it can reach" >&2
            exit 1
        fi
    else
        mkdir -p "$pgdir"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        as_owner "$initdb" -D "$data" -U dbt --auth=trust --encoding=UTF8 --locale=C >"$pgdir/initdb.log" 2>&1 || {
            cat "$pgdir/initdb.log" >&2
            exit 1
        }
    fi
    if as_owner "$pg_ctl" -D "$data" status >/dev/null 2>&1; then
        echo "postgres.sh: already running on 127.0.0.1:$port" >&2
    else
        as_owner "$pg_ctl" -D "$data" -l "$log" -w -t 60 \
            -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null || {
            cat "$log" >&2
            exit 1
        }
        echo "postgres.sh: started PostgreSQL on 127.0.0.1:$port (data in $data)" >&2
    fi
    if ! psql -h 127.0.0.1 -p "$port" -U dbt -d postgres -tAc "select 1 from pg_database where datname = '$database'" | grep -q 1; then
        psql -h 127.0.0.1 -p "$port" -U dbt -d postgres -qc "create database $database" >/dev/null
    fi
}

stop() {
    local pg_ctl
    pg_ctl="$(find_bin pg_ctl)" || return 0
    if [ -f "$data/PG_VERSION" ] && as_owner "$pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_owner "$pg_ctl" -D "$data" -m fast -w stop >/dev/null
        echo "postgres.sh: stopped" >&2
    fi
}

clean() {
    stop
    rm -rf "$pgdir"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    clean) clean ;;
    env) echo "PGHOST=127.0.0.1 PGPORT=$port PGUSER=dbt PGDATABASE=$database" ;;
    dir) echo "$pgdir" ;;
    *) echo "usage: $0 start|stop|clean|env|dir" >&2; exit 2 ;;
esac
