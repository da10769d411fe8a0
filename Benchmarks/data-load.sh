#!/usr/bin/env bash
# Data-load budget (issue 19), release build: ≥ 10,000 records a second through
# PUT /api/v1/data/resources/{code}/records (NDJSON batches of 10,000, the police's client key;
# every record checked, versions compared, upserted, the load audited). Loads BATCHES new batches
# one after another, then the same batches again (all unchanged), on SQLite and PostgreSQL.
# Usage: Benchmarks/data-load.sh [postgres-url] [batches]
#   PostgreSQL with fsync on, e.g. "$(scripts/start-postgres.sh 55433 /tmp/pg-bench)"
# Prints figures only.
set -euo pipefail
pg=${1:-}
batches=${2:-10}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
if [ -z "${TONGBAN_BIN:-}" ]; then swift build -c release --product tongban >/dev/null 2>&1; fi
bin=${TONGBAN_BIN:-$PWD/.build/release/tongban}
work=$(mktemp -d /tmp/tongban-data-load.XXXXXX)
export TONGBAN_LOG_LEVEL=warning
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
port=18620

python3 - "$work" "$batches" <<'PY'
import json, random, sys
work, batches = sys.argv[1], int(sys.argv[2])
weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def identity(n):
    stem = "330106%04d%02d%02d%03d" % (1950 + n % 55, 1 + n % 12, 1 + n % 28, n % 1000)
    stem = stem[:6] + stem[6:14] + stem[14:17]
    total = sum(int(d) * w for d, w in zip(stem, weights))
    return stem + "10X98765432"[total % 11]
seen = set()
n = 0
for b in range(batches):
    with open(f"{work}/batch-{b}.ndjson", "w") as out:
        count = 0
        while count < 10000:
            n += 1
            subject = identity(n * 7919)
            if subject in seen:
                continue
            seen.add(subject)
            count += 1
            out.write(json.dumps({"subject": subject, "version": 1, "data": {"name": f"居民{n}", "gender": "男" if n % 2 else "女",
                "householdAddress": f"杭州市西湖区文三路 {n % 500} 号", "householdType": "非农业"}}, ensure_ascii=False) + "\n")
PY

run() { # $1 label; the environment names the database
  local data=$work/$1
  mkdir -p "$data"
  TONGBAN_DATA_DIR=$data "$bin" seed --demo >/dev/null
  TONGBAN_DATA_DIR=$data TONGBAN_PORT=$port "$bin" serve >"$data/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  token=$(curl -sf -H 'Content-Type: application/json' -d '{"login":"data.police","password":"Tongban-demo-2026"}' \
    "http://127.0.0.1:$port/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  key=$(curl -sf -H 'Content-Type: application/json' -H "Authorization: Bearer $token" -d '{"name":"bench","clearance":"core","ratePerMinute":600000}' \
    "http://127.0.0.1:$port/api/v1/data/clients" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
  for pass in new again; do
    python3 - "$work" "$batches" "$port" "$key" "$1" "$pass" <<'PY'
import json, sys, time, urllib.request
work, batches, port, key, label, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
times, outcome = [], None
for b in range(batches):
    body = open(f"{work}/batch-{b}.ndjson", "rb").read()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/data/resources/population_basic/records", data=body, method="PUT",
        headers={"Content-Type": "application/x-ndjson", "X-Api-Key": key})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        outcome = json.loads(response.read())
    times.append(time.perf_counter() - started)
total = sum(times)
print(f"{label}, {kind}: {batches} batches of 10,000 in {total:.2f} s: {batches * 10000 / total:,.0f} records/s "
      f"(a batch: fastest {min(times) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms); last batch {outcome}")
PY
  done
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
}

TONGBAN_DATABASE_URL="sqlite://$work/sqlite/tongban.sqlite" run sqlite
if [ -n "$pg" ]; then TONGBAN_DATABASE_URL="$pg" run postgresql; fi
