#!/usr/bin/env bash
# Catalog budgets (issue 3), release build, on this machine:
#   search p99 < 5 ms per query at 100,000 items, in process and through HTTP, 1–6 characters;
#   evaluating a bundle of 10 items < 1 ms in process; importing 100,000 items < 60 s on SQLite
#   and on PostgreSQL.
# Usage: Benchmarks/catalog.sh [items] [postgres-url]   (default 100000; PostgreSQL only when a URL of an
# empty database is given, e.g. one made with `createdb`)
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
items=${1:-100000}
pg=${2:-}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
swift build -c release --product tongban >/dev/null
bin=.build/release/tongban
data=$(mktemp -d /tmp/tongban-catalog-bench.XXXXXX)
export TONGBAN_LOG_LEVEL=warning

echo "== in process, SQLite ($items items)"
TONGBAN_DATA_DIR="$data" $bin bench catalog --items "$items" --write-queries "$data/queries.txt"
if [ -n "$pg" ]; then
  echo "== in process, PostgreSQL ($items items)"
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$data/pg" $bin bench catalog --items "$items" | grep import
fi

echo "== through HTTP (the SQLite database just filled, plus the demo data seeded on first start)"
port=18390
TONGBAN_DATA_DIR="$data" TONGBAN_PORT=$port $bin serve >"$data/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
curl -s -o /dev/null -w "first search (builds this process's index): %{time_total} s\n" "http://127.0.0.1:$port/api/v1/catalog/items?q=%E9%A3%9F%E5%93%81"
cat >"$data/queries.lua" <<LUA
local queries = {}
for line in io.lines("$data/queries.txt") do queries[#queries + 1] = line end
math.randomseed(42)
request = function() return wrk.format("GET", "/api/v1/catalog/items?q=" .. queries[math.random(#queries)]) end
LUA
echo "-- one client at a time (the latency of each query)"
wrk -t1 -c1 -d15s --latency -s "$data/queries.lua" "http://127.0.0.1:$port" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
echo "-- 16 clients"
wrk -t2 -c16 -d15s --latency -s "$data/queries.lua" "http://127.0.0.1:$port" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx"
echo "server resident memory with the index: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"
