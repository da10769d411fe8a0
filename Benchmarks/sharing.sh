#!/usr/bin/env bash
# Shared-data budget (issue 5), release build, on this machine: a lookup under a grant through
# HTTP — key check, rate limit, grant scope, the record, masking, and the read written with its
# audit entry in one transaction — p99 under 10 ms. POST /api/v1/data/lookup with wrk at 4 and
# 16 connections, on SQLite and (when given) PostgreSQL; the demo grant (the market regulator
# reads four fields of the population data) and a client made through the API.
# Usage: Benchmarks/sharing.sh [postgres-url of an empty database] [seconds]
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
pg=${1:-}
seconds=${2:-15}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-sharing-bench.XXXXXX)
export TONGBAN_LOG_LEVEL=warning
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

trial() { # $1 label, $2 port; TONGBAN_* exported by the caller
  echo "== $1"
  "$bin" serve >"$work/$1.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break; sleep 0.1; done
  base="http://127.0.0.1:$2"
  token=$(curl -sf -H 'Content-Type: application/json' -d '{"login":"data.amr","password":"Tongban-demo-2026"}' "$base/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  key=$(curl -sf -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
    -d '{"name":"基准测试系统","clearance":"sensitive","ratePerMinute":600000}' "$base/api/v1/data/clients" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  # the demo person's identity number, from the first-start banner (or the seed command's)
  subject=$(cat "$work/$1.log" "$work"/seed.txt 2>/dev/null | grep -oE '^  [0-9]{17}[0-9X] ' | head -n 1 | tr -d ' ' || true)
  python3 -c 'import json,sys; print(json.dumps({"resource": "population_basic", "subject": sys.argv[1], "purpose": "个体工商户设立登记：核验经营者身份与户籍信息"}, ensure_ascii=False))' \
    "$subject" >"$work/body.json"
  curl -sf -H 'Content-Type: application/json' -H "X-Api-Key: $key" --data-binary @"$work/body.json" "$base/api/v1/data/lookup" |
    python3 -c 'import json,sys; v=json.load(sys.stdin); print("one lookup:", v["subject"], sorted(v["fields"]), "masked", v["masked"])'
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = io.open("$work/body.json"):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Api-Key"] = "$key"
done = function(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d non-2xx, %.0f req/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\n", summary.requests, summary.errors.status,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
LUA
  # warm-up, not measured: the first requests open the pools' connections and fill caches
  wrk -t2 -c4 -d2s -s "$work/post.lua" "$base/api/v1/data/lookup" >/dev/null
  for c in 4 16; do
    echo "lookup under a grant, $c connections: $(wrk -t2 -c$c -d"${seconds}s" -s "$work/post.lua" "$base/api/v1/data/lookup" | grep '^wrk:') (budget p99 < 10 ms)"
  done
  # every answered read left its audit entry: the log still verifies end to end
  admin=$(curl -sf -H 'Content-Type: application/json' -d '{"login":"admin","password":"Tongban-demo-2026"}' "$base/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  curl -sf -H "Authorization: Bearer $admin" "$base/api/v1/audit/verify" | python3 -c 'import json,sys; v=json.load(sys.stdin); print("audit log after the run:", v)'
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

TONGBAN_DATA_DIR="$work/sqlite" TONGBAN_PORT=18440 trial sqlite 18440
if [ -n "$pg" ]; then
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" "$bin" seed --demo >"$work/seed.txt"
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" TONGBAN_PORT=18441 trial postgres 18441
fi
