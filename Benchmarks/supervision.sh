#!/usr/bin/env bash
# Supervision budgets (issue 6), release build, on this machine:
#  - any dashboard over 1,000,000 applications: under 300 ms on PostgreSQL, under 1 s on SQLite;
#  - the deadline-warnings job over 1,000,000 open cases: under 5 s.
# `tongban bench supervision` writes the applications (a year, 40 departments × 25 items, West
# Lake District and five streets), builds the rollup from nothing, times six kinds of dashboard
# in process, then opens every case with a deadline and times the deadline watch. Then the server
# is started on the same database and the dashboards are timed over HTTP (JSON and the page).
# Usage: Benchmarks/supervision.sh [postgres-url of an empty database] [applications]
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
pg=${1:-}
count=${2:-1000000}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-supervision-bench.XXXXXX)
export TONGBAN_LOG_LEVEL=warning
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

http() { # $1 label, $2 port
  "$bin" serve >"$work/$1.log" 2>&1 &
  server=$!
  for _ in $(seq 1 1200); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break; sleep 0.1; done
  base="http://127.0.0.1:$2"
  for path in "/api/v1/public/figures?from=2025-11-21&to=2026-11-20" "/transparency?from=2025-11-21&to=2026-11-20" \
              "/transparency?from=2026-08-23&to=2026-11-20" "/api/v1/public/figures?from=2025-11-21&to=2026-11-20&region=330106002"; do
    for _ in $(seq 1 15); do curl -s -o /dev/null -w "%{time_total}\n" -H 'Accept-Language: zh-CN' "$base$path"; done >"$work/times"
    python3 - "$1" "$path" "$work/times" <<'PY'
import sys
t = sorted(float(x) * 1000 for x in open(sys.argv[3]).read().split())
print(f"{sys.argv[1]} HTTP {sys.argv[2]}: median {t[len(t)//2]:.1f} ms, max {t[-1]:.1f} ms")
PY
  done
  kill $server; wait $server 2>/dev/null || true; server=""
}

echo "== sqlite ($count applications)"
TONGBAN_DATA_DIR="$work/sqlite" "$bin" bench supervision --applications "$count"
TONGBAN_DATA_DIR="$work/sqlite" TONGBAN_PORT=18461 http sqlite 18461
if [ -n "$pg" ]; then
  echo "== postgres ($count applications)"
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" "$bin" bench supervision --applications "$count"
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" TONGBAN_PORT=18462 http postgres 18462
fi
