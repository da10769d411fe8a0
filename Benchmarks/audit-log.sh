#!/usr/bin/env bash
# The audit log's budgets (issue 28), release build, on this machine: from an entry's writing to
# the signed tree head that holds it under 2,000 entries a second (p99 < 1 s); the sequencer's
# rate; `audit verify` over 1,000,000 entries (< 60 s); inclusion and consistency proofs
# (< 5 ms), each checked as a client checks it. On SQLite and (when given) PostgreSQL — run that
# one with fsync on (scripts/start-postgres.sh PORT DIR, fsync on by default); its settings are printed.
# Usage: Benchmarks/audit-log.sh [postgres-url of an empty database] [--no-build] [--events N]
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
pg=""
build=1
events=1000000
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --events) events=$2; shift ;;
    postgres*) pg=$1 ;;
  esac
  shift
done
cd "$(dirname "$0")/.."
[ "$build" = 0 ] || swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-audit-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TONGBAN_LOG_LEVEL=warning
echo "== SQLite"
TONGBAN_DATA_DIR="$work/sqlite" "$bin" bench audit --events "$events"
if [ -n "$pg" ]; then
  echo "== $(scripts/pg-settings.sh "$pg")"
  TONGBAN_DATA_DIR="$work/pg" TONGBAN_DATABASE_URL="$pg" "$bin" bench audit --events "$events"
fi
