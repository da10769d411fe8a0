#!/usr/bin/env bash
# 就近办 budget (issue 22): finding where an item can be handled in person,
#   GET /api/v1/catalog/items/{code}/places?near=<region>, p99 < 20 ms with all 44,700 regions loaded.
# The demo's three halls are joined by a hall at every county and every town of Zhejiang (about
# 1,500), so a city item is taken in at some 200 halls and a province item at all of them; each
# request asks from a random town of Zhejiang.
# Usage: Benchmarks/places.sh [requests] [clients]   (default 4000, 16; BUILD=debug uses the debug build)
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
requests=${1:-4000}
clients=${2:-16}
cd "$(dirname "$0")/.."
build=${BUILD:-release}
[ "$build" = debug ] || swift build -c release --product tongban >/dev/null
bin=.build/$build/tongban
data=$(mktemp -d /tmp/tongban-places-bench.XXXXXX)
export TONGBAN_LOG_LEVEL=warning
port=18391
pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
start() {
  TONGBAN_DATA_DIR="$data" TONGBAN_PORT=$port TONGBAN_CLOCK=2026-11-24T10:00 $bin serve >>"$data/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 900); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return; sleep 0.2; done
  echo "the server did not start"; cat "$data/serve.log"; exit 1
}
echo "== build: $build"
start  # the first start creates the database and seeds the demo
kill $pid
wait $pid 2>/dev/null || true
TONGBAN_DATA_DIR="$data" $bin import regions Sources/TongbanPlatform/Resources/Regions
python3 Benchmarks/places.py setup "$data/tongban.sqlite"
start
python3 Benchmarks/places.py run "$data/tongban.sqlite" "http://127.0.0.1:$port" "$requests" "$clients"
