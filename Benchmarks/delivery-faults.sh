#!/usr/bin/env bash
# Webhook delivery under faults (issue 19). Each case writes EVENTS events over 50 subjects and
# passes only if every one reaches the receiver (`tongban webhooks receive`, which verifies each
# signature and counts each webhook-id once) and each subject's events arrive in the order written:
#   1. the receiver is down for DOWN seconds, then back;
#   2. the receiver answers 500 to every third request;
#   3. the serving process is killed (kill -9) mid-batch and started again;
#   4. on PostgreSQL: two serving processes relay side by side (and no delivery is made twice).
# Usage: Benchmarks/delivery-faults.sh <postgres-url|sqlite> [EVENTS] [DOWN]
#   CI runs it small (2000 events, 5 s down) with the debug build (TONGBAN_BIN); the issue's
#   full case is DOWN=300. Exits non-zero when a case fails.
set -euo pipefail
target=${1:?a PostgreSQL URL or sqlite}
events=${2:-2000}
down=${3:-5}
cd "$(dirname "$0")/.."
case "${target:-}" in postgres*) scripts/pg-settings.sh "$target" ;; esac
if [ -z "${TONGBAN_BIN:-}" ]; then swift build -c release --product tongban >/dev/null 2>&1; fi
bin=${TONGBAN_BIN:-$PWD/.build/release/tongban}
work=$(mktemp -d /tmp/tongban-delivery-faults.XXXXXX)
export TONGBAN_LOG_LEVEL=warning TONGBAN_DATA_DIR="$work/data"
# retried within seconds, for longer than the receiver is down; a dead attempt's lease runs out soon
export TONGBAN_WEBHOOK_ALLOW_LOOPBACK=1 TONGBAN_WEBHOOK_RETRY=0.2,2,5,100 TONGBAN_WEBHOOK_TIMEOUT=2
mkdir -p "$work/data"
postgres=0
if [ "$target" = sqlite ]; then
  export TONGBAN_DATABASE_URL="sqlite://$work/data/tongban.sqlite"
else
  # a database of its own on that server
  name=faults_$(date +%s)_$$
  psql "${target%%\?*}" -qc "CREATE DATABASE $name" >/dev/null
  export TONGBAN_DATABASE_URL="${target%%/tongban_test*}/$name?tlsmode=disable"
  postgres=1
fi
pids=()
trap 'for p in "${pids[@]}"; do kill -9 $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
rport=19201
failed=0

stats() { curl -sf "http://127.0.0.1:$rport/stats"; }
receiver=""
receive() { # a fresh receiver, with extra options
  stop_receiver
  "$bin" webhooks receive --port $rport --secret "$secret" "$@" >>"$work/receiver.log" 2>&1 &
  receiver=$!
  pids+=("$receiver")
  for _ in $(seq 1 100); do stats >/dev/null 2>&1 && return; sleep 0.1; done
  echo "receiver did not start"; cat "$work/receiver.log"; exit 1
}
stop_receiver() { if [ -n "$receiver" ]; then kill "$receiver" 2>/dev/null || true; wait "$receiver" 2>/dev/null || true; receiver=""; fi; }

serve() { # $1 port; sets $server
  TONGBAN_PORT=$1 "$bin" serve >>"$work/serve-$1.log" 2>&1 &
  server=$!
  pids+=("$server")
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return; sleep 0.1; done
  echo "server did not start"; cat "$work/serve-$1.log"; exit 1
}

emit() { "$bin" bench webhook-events --events "$events" --subjects 50 >/dev/null; }

distinct() { stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["distinct"])'; }

verdict() { # $1 case name, $2 whether duplicates are allowed
  for _ in $(seq 1 1200); do [ "$(distinct)" -ge "$events" ] && break; sleep 0.1; done
  local s
  s=$(stats)
  if python3 - "$s" "$events" "$2" "$1" <<'PY'; then :; else failed=1; fi
import json, sys
s, expected, duplicates_allowed, name = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "yes", sys.argv[4]
problems = []
if s["distinct"] != expected: problems.append(f"{expected - s['distinct']} missing")
if s["outOfOrder"]: problems.append(f"{s['outOfOrder']} out of order")
if s["badSignatures"]: problems.append(f"{s['badSignatures']} bad signatures")
if s["duplicates"] and not duplicates_allowed: problems.append(f"{s['duplicates']} delivered twice")
print(f"{'ok  ' if not problems else 'FAIL'} {name}: {s['distinct']} of {expected} arrived, {s['requests']} requests "
      f"({s['failedOnPurpose']} answered 500 on purpose, {s['duplicates']} duplicates dropped), {s['outOfOrder']} out of order"
      + ("" if not problems else ": " + ", ".join(problems)))
sys.exit(1 if problems else 0)
PY
}

"$bin" migrate >/dev/null
secret=$("$bin" bench webhooks --receiver "http://127.0.0.1:$rport/faults" | sed -n 's/^secret: //p')
port=18520
serve $port

echo "== 1. the receiver down for $down s, then back"
emit
sleep "$down"
receive
verdict "receiver down $down s" yes

echo "== 2. the receiver answering 500 to every third request"
receive --fail-every 3
emit
verdict "500 to every third request" yes

echo "== 3. kill -9 of the serving process mid-batch"
receive
emit
for _ in $(seq 1 600); do [ "$(distinct)" -ge $((events / 4)) ] && break; sleep 0.05; done
kill -9 "$server"
wait "$server" 2>/dev/null || true
echo "killed after $(distinct) of $events had arrived"
serve $port
verdict "killed mid-batch and started again" yes

if [ "$postgres" = 1 ]; then
  echo "== 4. two serving processes on one PostgreSQL"
  receive
  serve $((port + 1))
  emit
  verdict "two processes relaying" no
fi
exit $failed
