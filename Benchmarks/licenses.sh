#!/usr/bin/env bash
# E-licence budgets (issue 5), release build, on this machine:
#   signing in process ≥ 10,000 per second;
#   verifying through the API (signature and current status in the registry) ≥ 3,000 per second:
#   POST /api/v1/licenses/verify with wrk at 16 connections, on SQLite and (when given) PostgreSQL.
# Usage: Benchmarks/licenses.sh [postgres-url of an empty database] [seconds]
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
pg=${1:-}
seconds=${2:-15}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-licenses-bench.XXXXXX)
export TONGBAN_LOG_LEVEL=warning
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

trial() { # $1 label, $2 port; TONGBAN_* exported by the caller
  echo "== $1"
  "$bin" bench licenses | tee "$work/$1.txt" | grep -v '^token: '; echo "licences in the registry, verified in random order: $(grep -c '^token: ' "$work/$1.txt")"
  grep '^token: ' "$work/$1.txt" | sed 's/^token: //' | python3 -c 'import json,sys; [print(json.dumps({"token": t.strip()})) for t in sys.stdin]' >"$work/bodies.txt"
  head -n 1 "$work/bodies.txt" >"$work/body.json"
  "$bin" serve >"$work/$1.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break; sleep 0.1; done
  curl -sf -H 'Content-Type: application/json' --data-binary @"$work/body.json" "http://127.0.0.1:$2/api/v1/licenses/verify" |
    python3 -c 'import json,sys; v=json.load(sys.stdin); print("one verification:", v["outcome"], v.get("identifier"))'
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
for line in io.lines("$work/bodies.txt") do bodies[#bodies + 1] = line end
request = function() return wrk.format(nil, nil, nil, bodies[math.random(#bodies)]) end
done = function(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d non-2xx, %.0f req/s, p50 %.2f ms, p99 %.2f ms\n", summary.requests, summary.errors.status,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
  echo "verify through the API, 16 connections: $(wrk -t2 -c16 -d"${seconds}s" -s "$work/post.lua" "http://127.0.0.1:$2/api/v1/licenses/verify" | grep '^wrk:') (budget ≥ 3,000 req/s)"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

TONGBAN_DATA_DIR="$work/sqlite" TONGBAN_PORT=18430 trial sqlite 18430
if [ -n "$pg" ]; then
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" TONGBAN_PORT=18431 trial postgres 18431
fi
