#!/usr/bin/env bash
# Webhook delivery budgets (issue 19), release build, receiver and server on this machine:
#   ≥ 3,000 deliveries/s sustained to a local receiver (a 100,000-event backlog drained);
#   the server's RSS grows < 50 MB while it drains;
#   commit-to-delivery p99 < 250 ms at 500 events/s.
# The receiver is `tongban webhooks receive` (it verifies every signature with the
# subscription's secret, counts each webhook-id once and checks each subject's order).
# Usage: Benchmarks/delivery.sh <postgres-url of an empty database> [backlog events]
#   on a server with fsync on, e.g. Benchmarks/delivery.sh "$(scripts/start-postgres.sh 55433 /tmp/pg-bench)"
#   With "sqlite" instead of a URL: the same on a fresh SQLite file.
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
target=${1:?a PostgreSQL URL of an empty database, or sqlite}
backlog=${2:-100000}
cd "$(dirname "$0")/.."
case "${target:-}" in postgres*) scripts/pg-settings.sh "$target" ;; esac
# TONGBAN_BIN: another build to run (a debug one, to try the script)
if [ -z "${TONGBAN_BIN:-}" ]; then swift build -c release --product tongban >/dev/null 2>&1; fi
bin=${TONGBAN_BIN:-$PWD/.build/release/tongban}
work=$(mktemp -d /tmp/tongban-delivery-bench.XXXXXX)
export TONGBAN_LOG_LEVEL=warning TONGBAN_DATA_DIR="$work/data"
if [ "$target" = sqlite ]; then export TONGBAN_DATABASE_URL="sqlite://$work/data/tongban.sqlite"; else export TONGBAN_DATABASE_URL="$target"; fi
mkdir -p "$work/data"
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
port=18420
rport=19101

stats() { curl -sf "http://127.0.0.1:$rport/stats"; }

receive() { # a fresh receiver (fresh counts)
  if [ -n "${receiver:-}" ]; then kill "$receiver"; wait "$receiver" 2>/dev/null || true; fi
  "$bin" webhooks receive --port $rport --secret "$secret" >"$work/receiver.log" 2>&1 &
  receiver=$!
  pids+=("$receiver")
  for _ in $(seq 1 100); do stats >/dev/null 2>&1 && return; sleep 0.1; done
  echo "receiver did not start"; cat "$work/receiver.log"; exit 1
}

wait_for() { # $1 distinct messages; prints the stats when they have arrived
  # polled twice a second with no interpreter started: the measurement takes little of the
  # CPU it measures (the figures are the receiver's own first and last arrival)
  for _ in $(seq 1 1200); do
    s=$(stats)
    distinct=$(echo "$s" | sed -n 's/.*"distinct":\([0-9]*\).*/\1/p')
    [ "${distinct:-0}" -ge "$1" ] && { echo "$s"; return; }
    sleep 0.5
  done
  echo "timed out: $(stats)"; exit 1
}

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

"$bin" migrate >/dev/null
secret=$("$bin" bench webhooks --receiver "http://127.0.0.1:$rport/tongban" | tee "$work/prepare.txt" | sed -n 's/^secret: //p')
receive

echo "== a backlog of $backlog events, written before the server starts"
"$bin" bench webhook-events --events "$backlog" --subjects 1000
TONGBAN_PORT=$port TONGBAN_WEBHOOK_ALLOW_LOOPBACK=1 "$bin" serve >"$work/serve.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
ready_rss=$(rss_mb "$server")
peak=$ready_rss
(while kill -0 "$server" 2>/dev/null; do rss_mb "$server"; echo; sleep 0.5; done) >"$work/rss.txt" &
sampler=$!
result=$(wait_for "$backlog")
kill "$sampler" 2>/dev/null || true
peak=$(sort -n "$work/rss.txt" | tail -n 1)
python3 - "$result" "$ready_rss" "$peak" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
seconds = s["last"] - s["first"]
print(f"drained {s['distinct']} deliveries in {seconds:.1f} s: {s['distinct'] / seconds:.0f} deliveries/s "
      f"(first to last arrival); {s['duplicates']} duplicates, {s['outOfOrder']} out of order, {s['badSignatures']} bad signatures")
print(f"server RSS: {float(sys.argv[2]):.1f} MB when ready, {float(sys.argv[3]):.1f} MB at most while draining "
      f"(+{float(sys.argv[3]) - float(sys.argv[2]):.1f} MB)")
PY

echo "== 500 events a second for 20 s, relayed as they commit"
receive
"$bin" bench webhook-events --events 10000 --rate 500 --subjects 1000
result=$(wait_for 10000)
python3 - "$result" <<'PY'
import json, sys
s = json.loads(sys.argv[1])
print(f"commit-to-delivery (event written → receiver): p50 {s['latencyP50Ms']:.1f} ms, p99 {s['latencyP99Ms']:.1f} ms, "
      f"max {s['latencyMaxMs']:.1f} ms over {s['distinct']} deliveries; {s['outOfOrder']} out of order, {s['badSignatures']} bad signatures")
PY
