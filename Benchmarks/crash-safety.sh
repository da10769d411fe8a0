#!/usr/bin/env bash
# Crash safety (issue 4): submissions under load from 16 threads, the server killed with SIGKILL
# in the middle, restarted; every submission that was answered 201 must be there, intact, and a
# request cut off unanswered, retried with its Idempotency-Key, gives one application; the audit
# log, its sequencer killed too, checks whole afterwards with one entry per stored submission.
# Usage: Benchmarks/crash-safety.sh [postgres-url of an empty database]   (SQLite always; PostgreSQL when given)
set -euo pipefail
pg=${1:-}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-crash.XXXXXX)
export TONGBAN_LOG_LEVEL=warning
server=""
trap '[ -n "$server" ] && kill -9 $server 2>/dev/null; rm -rf "$work"' EXIT

start() { # $1 label, $2 port, env already set by caller
  "$bin" serve >>"$work/$1.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
  echo "server did not start"; cat "$work/$1.log"; exit 1
}

trial() { # $1 label, $2 port; TONGBAN_* exported by the caller
  echo "== $1"
  "$bin" bench applications | grep '^body: ' | sed 's/^body: //' >"$work/body.json"
  start "$1" "$2"
  local base="http://127.0.0.1:$2"
  local login
  login=$(curl -sf "$base/openapi.json" >/dev/null; python3 - "$1" <<'PY'
import os, sys, sqlite3, subprocess
url = os.environ.get("TONGBAN_DATABASE_URL")
q = "select credit_code from accounts where kind = 'enterprise' limit 1"
if url: print(subprocess.run(["psql", url.split("?")[0], "-Atc", q], capture_output=True, text=True).stdout.strip())
else: print(sqlite3.connect(os.environ["TONGBAN_DATA_DIR"] + "/tongban.sqlite").execute(q).fetchone()[0])
PY
)
  local token
  token=$(curl -sf -H 'Content-Type: application/json' -d "{\"login\":\"$login\",\"password\":\"Tongban-demo-2026\"}" "$base/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
  python3 scripts/crash_load.py load "$base" "$token" "$work/body.json" "$work/$1.json" 16 &
  local loader=$!
  sleep 6
  kill -9 "$server"; wait "$server" 2>/dev/null || true
  echo "killed the server with SIGKILL after 6 s of load"
  wait "$loader"
  start "$1" "$2"
  python3 scripts/crash_load.py check "$base" "$token" "$work/body.json" "$work/$1.json"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  # the audit log (issue 28): the sequencer was killed with the server, mid-batch or not; what
  # it left is placed now, and the whole log checks, with one entry for every submission stored
  "$bin" audit sequence
  "$bin" audit verify
  python3 - "$1" <<'PY'
import os, sys, sqlite3, subprocess
url = os.environ.get("TONGBAN_DATABASE_URL")
queries = {
    "applications": "select count(*) from applications where status <> 'draft'",
    "audit entries": "select count(*) from audit_entries where action = 'application.submit'",
    "unplaced": "select count(*) from audit_queue",
}
def ask(q):
    if url: return int(subprocess.run(["psql", url.split("?")[0], "-Atc", q], capture_output=True, text=True).stdout.strip())
    return sqlite3.connect(os.environ["TONGBAN_DATA_DIR"] + "/tongban.sqlite").execute(q).fetchone()[0]
got = {k: ask(q) for k, q in queries.items()}
print(f"audit log after the crash: {got['audit entries']} submission entries for {got['applications']} submitted applications, {got['unplaced']} unplaced")
if got["audit entries"] != got["applications"] or got["unplaced"]:
    sys.exit("FAILED: the audit log lost or kept back an entry")
PY
}

export TONGBAN_DATA_DIR="$work/sqlite" TONGBAN_PORT=18420
trial sqlite 18420
if [ -n "$pg" ]; then
  export TONGBAN_DATA_DIR="$work/pg" TONGBAN_PORT=18421 TONGBAN_DATABASE_URL="$pg"
  trial postgres 18421
fi
