#!/usr/bin/env bash
# Budget: from `swift run tongban serve` on an already-built tree to /readyz answering < 2 s
# (first start, with migrate + seed, and a later start); idle resident memory < 80 MB.
# Usage: Benchmarks/startup-and-memory.sh [runs]   (build first: swift build)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
port=18181
swift build --product tongban >/dev/null

wait_ready() {
  local start=$1
  while ! curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.01; done
  echo $(( $(date +%s%N) - start ))
}

measure() { # $1 = data folder; prints milliseconds to readiness, leaves the server running in $pid
  local start
  start=$(date +%s%N)
  TONGBAN_DATA_DIR="$1" TONGBAN_PORT=$port TONGBAN_LOG_LEVEL=warning swift run --skip-build tongban serve >"$1.log" 2>&1 &
  pid=$!
  ns=$(wait_ready "$start")
  echo $(( ns / 1000000 ))
}

stop() {
  pkill -f "tongban serve" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

first=(); later=()
for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d)/tongban-data
  first+=("$(measure "$dir")"); stop
  later+=("$(measure "$dir")")
  if [ "$i" -eq "$runs" ]; then
    sleep 3
    server=$(pgrep -f "debug/tongban serve" | head -n 1)
    rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
    for _ in $(seq 1 200); do curl -fsS "http://127.0.0.1:$port/" >/dev/null; done
    sleep 2
    rss_after_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
  fi
  stop
  rm -rf "$(dirname "$dir")"
done

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "min %d ms, median %d ms, max %d ms", a[1], a[int((NR+1)/2)], a[NR]}'; }
echo "swift run tongban serve → /readyz, first start (migrate + seed), $runs runs: $(stats "${first[@]}")"
echo "swift run tongban serve → /readyz, later start, $runs runs:                  $(stats "${later[@]}")"
echo "idle resident memory (debug build) after start: $((rss_kb / 1024)) MB; after 200 page requests: $((rss_after_kb / 1024)) MB"
