#!/usr/bin/env bash
# Budget: GET /healthz with every middleware on (request id, metrics, security headers, error
# handling) ≥ 12,000 requests/s on this 2-core machine, release build, wrk on the same machine.
# Also reports the idle resident memory of the release server.
# Usage: Benchmarks/healthz-wrk.sh [seconds]   (needs Debian's wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-15}"
port=18182
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product tongban >/dev/null
data=$(mktemp -d)/tongban-data
TONGBAN_DATA_DIR="$data" TONGBAN_PORT=$port TONGBAN_LOG_LEVEL=warning .build/release/tongban serve >"$data.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$(dirname "$data")"' EXIT
until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.05; done
sleep 2
echo "idle resident memory (release): $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"
curl -fsS -D - -o /dev/null "http://127.0.0.1:$port/healthz" | grep -iE 'x-request-id|content-security-policy' | sed 's/^/  header: /'
wrk -t2 -c64 -d3s "http://127.0.0.1:$port/healthz" >/dev/null   # warm-up
echo "wrk -t2 -c64 -d${seconds}s --latency /healthz:"
wrk -t2 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$port/healthz" | grep -E 'Requests/sec|Latency|99%|50%|requests in'
echo "wrk -t2 -c64 -d${seconds}s --latency / (home page: session lookup, CSRF cookie, Leaf, two counts):"
wrk -t2 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$port/" | grep -E 'Requests/sec|99%|50%'
echo "resident memory after load: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"
curl -fsS "http://127.0.0.1:$port/metrics" | grep -c '^http_requests_total' | sed 's/^/metric series http_requests_total: /'
