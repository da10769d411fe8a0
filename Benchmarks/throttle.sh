#!/usr/bin/env bash
# Throttling decisions (issue 20's budget: ≤ 1 ms each), release build, on this machine:
# the in-memory limiters, and a sign-in's reservation in the database (one at a time, and 16 at
# once), on SQLite and (when given) PostgreSQL — run that one with fsync on
# (scripts/start-postgres.sh PORT DIR, fsync on by default).
# Usage: Benchmarks/throttle.sh [postgres-url of an empty database] [--no-build]
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
pg=${1:-}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
[ "${2:-}" = "--no-build" ] || swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-throttle-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TONGBAN_LOG_LEVEL=warning
echo "== SQLite"
TONGBAN_DATA_DIR="$work/sqlite" "$bin" bench throttle
if [ -n "$pg" ]; then
  echo "== PostgreSQL"
  TONGBAN_DATA_DIR="$work/pg" TONGBAN_DATABASE_URL="$pg" "$bin" bench throttle
fi
