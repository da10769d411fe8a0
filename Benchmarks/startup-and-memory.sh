#!/usr/bin/env bash
# Budget: from `swift run tongban serve` on an already-built tree to /readyz answering < 2 s
# (first start, with migrate + seed, and a later start); idle resident memory < 80 MB.
# Usage: Benchmarks/startup-and-memory.sh [runs]
#
# It runs exactly what a user runs, from the repository root with the default data folder
# (./tongban-data, moved aside and restored). The environment stays the same from run to run on
# purpose: SwiftPM keys its manifest cache on the environment, and a new value each run (say a
# fresh TONGBAN_DATA_DIR) would time eight seconds of manifest recompiling, not Tongban.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
port=18181
export TONGBAN_PORT=$port TONGBAN_LOG_LEVEL=warning
swift build --product tongban >/dev/null
if [ -e tongban-data ]; then mv tongban-data "tongban-data.saved-$$"; fi
restore() { rm -rf tongban-data; if [ -e "tongban-data.saved-$$" ]; then mv "tongban-data.saved-$$" tongban-data; fi; }
trap restore EXIT
swift run --skip-build tongban audit verify >/dev/null 2>&1 || true   # warm SwiftPM's manifest cache
rm -rf tongban-data

measure() { # sets $ms (milliseconds to readiness) and $pid (the server, left running)
  local start
  start=$(date +%s%N)
  swift run --skip-build tongban serve >/tmp/tongban-startup-bench.log 2>&1 &
  pid=$!
  until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
}

stop() {
  pkill -f "tongban serve" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

first=(); later=()
for i in $(seq 1 "$runs"); do
  rm -rf tongban-data
  measure; first+=("$ms"); stop
  measure; later+=("$ms")
  if [ "$i" -eq "$runs" ]; then
    sleep 3
    server=$(pgrep -f "debug/tongban serve" | head -n 1)
    rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
    for _ in $(seq 1 200); do curl -fsS "http://127.0.0.1:$port/" >/dev/null; done
    sleep 2
    rss_after_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
  fi
  stop
done

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "min %d ms, median %d ms, max %d ms", a[1], a[int((NR+1)/2)], a[NR]}'; }
echo "swift run tongban serve → /readyz, first start (migrate + seed), $runs runs: $(stats "${first[@]}")"
echo "swift run tongban serve → /readyz, later start, $runs runs:                  $(stats "${later[@]}")"
echo "idle resident memory (debug build) after start: $((rss_kb / 1024)) MB; after 200 page requests: $((rss_after_kb / 1024)) MB"
