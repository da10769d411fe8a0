#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on a loopback port, as the unprivileged `postgres` user,
# and prints the URL to reach it. Usage: scripts/start-postgres.sh [port] [folder] [fsync-off]
# fsync and synchronous_commit are on, as on a server that keeps what it commits: benchmark
# figures are those of such a server. Only the test suite asks for `fsync-off` (a throw-away
# cluster need not survive a crash). The suite runs its suites in parallel, each with its own
# pools: 400 connections leave room for them.
set -euo pipefail
port="${1:-55432}"
dir="${2:-/tmp/tongban-pg-$port}"
fsync=on
# `durable` was the way to ask for fsync before it became the default
[ "${3:-}" = fsync-off ] && fsync=off
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
run_as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -f "$dir/postmaster.pid" ]; then run_as_postgres "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true; fi
rm -rf "$dir"
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
run_as_postgres "$bin/initdb" -D "$dir" -U tongban --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
run_as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=$fsync -c max_connections=400" start >/dev/null
run_as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U tongban tongban_test
echo "postgres://tongban@127.0.0.1:$port/tongban_test?tlsmode=disable"
