#!/usr/bin/env bash
# Two `tongban serve` processes on one PostgreSQL database, hammered at once with sign-ins (each
# writes audit entries): the audit log must come out whole, with every entry, and no sign-in
# may fail with a 5xx. Prints the counts and the time taken.
# Usage: Benchmarks/two-servers-audit.sh [requests]   (needs PostgreSQL from Debian's packages)
set -euo pipefail
cd "$(dirname "$0")/.."
requests="${1:-400}"
swift build --product tongban >/dev/null
url=$(scripts/start-postgres.sh 55433 /tmp/tongban-bench-pg)
case "${url:-}" in postgres*) scripts/pg-settings.sh "$url" ;; esac
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
work=$(mktemp -d)
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  runuser -u postgres -- "$bin/pg_ctl" -D /tmp/tongban-bench-pg -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
pids=()
trap cleanup EXIT
export TONGBAN_DATABASE_URL="$url" TONGBAN_KEY_FILE="$work/keys.json" TONGBAN_LOG_LEVEL=warning
.build/debug/tongban migrate >/dev/null
.build/debug/tongban seed --demo >/dev/null
for port in 18301 18302; do
  TONGBAN_PORT=$port .build/debug/tongban serve >"$work/serve-$port.log" 2>&1 &
  pids+=($!)
done
for port in 18301 18302; do until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do sleep 0.1; done; done

TONGBAN_LOG_LEVEL=error .build/debug/tongban audit sequence >/dev/null
before=$(TONGBAN_LOG_LEVEL=error .build/debug/tongban audit verify | sed -E 's/ok: ([0-9]+) entries.*/\1/')
start=$(date +%s%N)
# Alternate the two servers; half good sign-ins, half wrong passwords (to different accounts,
# so that the throttle does not stop them).
seq 1 "$requests" | xargs -P 32 -I{} sh -c '
  n={}; port=$((18301 + n % 2))
  if [ $((n % 4)) -lt 2 ]; then pw=Tongban-demo-2026; login=clerk; else pw=wrong-$n-password; login=nobody$n; fi
  curl -s -o /dev/null -w "%{http_code}\n" -H "content-type: application/json" \
    -d "{\"login\":\"$login\",\"password\":\"$pw\"}" "http://127.0.0.1:$port/api/v1/auth/login"' > "$work/codes"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "requests: $requests over two server processes in ${elapsed_ms} ms; status codes: $(sort "$work/codes" | uniq -c | tr -s ' ' | tr '\n' ',' | sed 's/,$//')"
# the servers' sequencers place what is left within their batch interval; this takes the rest now
TONGBAN_LOG_LEVEL=error .build/debug/tongban audit sequence >/dev/null
result=$(TONGBAN_LOG_LEVEL=error .build/debug/tongban audit verify)
echo "audit verify: $result (was $before before the run)"
after=$(echo "$result" | sed -E 's/ok: ([0-9]+) entries.*/\1/')
# a sign-in answered 200 or 401 was checked and audited; one refused by the throttle (429, from
# one client address) was turned away before any check and leaves no entry
audited=$(grep -cE '^(200|401)$' "$work/codes" || true)
[ "$after" = $((before + audited)) ] && echo "every checked sign-in ($audited) left exactly one audit entry; the log is whole" || { echo "MISMATCH: expected $((before + audited))"; exit 1; }
! grep -q '^5' "$work/codes" || { echo "a request failed with 5xx"; exit 1; }
