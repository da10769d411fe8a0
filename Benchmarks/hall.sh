#!/usr/bin/env bash
# Hall budgets (issue 7), release build, on this machine:
#  - taking a ticket and calling the next: p99 under 20 ms with 200 concurrent ticket takers on
#    one hall. Two readings: (1) 200 takers, each a person taking a ticket every 2 s on average
#    (random, so about 100 tickets a second, far above any real hall) while a clerk calls and
#    serves in a loop — the budget's reading (Benchmarks/hall-load.py, one event loop); (2) saturation: wrk keeps 200 connections taking
#    tickets back to back (no pause), which shows the ceiling, not a person's wait.
#  - the staffing recommendation for a week of hourly data: under 100 ms. The first start
#    seeds the demo hall's past week (about 1,500 tickets, six windows); the figures and the
#    Erlang C advice for those seven days are asked for 30 times through the API.
# The platform clock is set to 10:00 on a working day (TONGBAN_CLOCK) so the hall is open.
# Usage: Benchmarks/hall.sh [postgres-url of an empty database] [seconds]
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
pg=${1:-}
seconds=${2:-15}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-hall-bench.XXXXXX)
# every taker here is one address, 127.0.0.1: the per-address kiosk limit is turned off
export TONGBAN_LOG_LEVEL=warning TONGBAN_CLOCK=2026-11-24T10:00 TONGBAN_KIOSK_TICKETS_PER_MINUTE=0
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

trial() { # $1 label, $2 port; TONGBAN_* exported by the caller
  echo "== $1"
  "$bin" serve >"$work/$1.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break; sleep 0.1; done
  base="http://127.0.0.1:$2"
  hall=$(curl -sf "$base/api/v1/halls" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  cat >"$work/take.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"category":"A","channel":"kiosk"}'
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("wrk: %d tickets, %d non-2xx, %.0f req/s, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\n", summary.requests, summary.errors.status,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
LUA
  python3 Benchmarks/hall-load.py "$base" "$hall" "$seconds"
  python3 - "$base" "$hall" <<'PY'
import http.client, json, sys, time
base, hall = sys.argv[1], sys.argv[2]
host, port = base.split("//")[1].split(":")
conn = http.client.HTTPConnection(host, int(port))
conn.request("POST", "/api/v1/auth/login", body=json.dumps({"login": "supervisor", "password": "Tongban-demo-2026"}), headers={"Content-Type": "application/json"})
token = json.loads(conn.getresponse().read())["accessToken"]
times, report = [], None
for _ in range(30):
    t0 = time.perf_counter()
    conn.request("GET", f"/api/v1/halls/{hall}/statistics?from=2026-11-17&to=2026-11-23", headers={"Authorization": "Bearer " + token})
    report = json.loads(conn.getresponse().read()); times.append((time.perf_counter() - t0) * 1000)
times.sort()
hours = sorted({f["hour"] for f in report["figures"]}); arrivals = sum(f["arrivals"] for f in report["figures"])
print(f"staffing for a week ({arrivals} tickets, {len(report['advice'])} hour×category cells, hours {hours[0]}–{hours[-1]}): "
      f"median {times[len(times)//2]:.1f} ms, max {times[-1]:.1f} ms (budget < 100 ms)")
PY
  # last: the saturation run leaves requests in flight for a moment after wrk stops
  echo "saturation, 200 connections taking back to back: $(wrk -t2 -c200 -d"${seconds}s" -s "$work/take.lua" "$base/api/v1/halls/$hall/tickets" | grep '^wrk:')"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

TONGBAN_DATA_DIR="$work/sqlite" TONGBAN_PORT=18450 trial sqlite 18450
if [ -n "$pg" ]; then
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" "$bin" seed --demo >/dev/null
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" TONGBAN_PORT=18451 trial postgres 18451
fi
