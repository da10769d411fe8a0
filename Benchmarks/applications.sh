#!/usr/bin/env bash
# Submission budgets (issues 4 and 28), release build, on this machine:
#   PostgreSQL (fsync on): POST /api/v1/applications (signed in, an item with 5 form fields and no
#   files) with wrk at 64 connections reaches ≥ 2,000 submissions a second with p99 < 100 ms, and
#   ≥ 1.5 × what pgbench gets running the same writes the endpoint commits (application, case,
#   review task, timeline entry, outbox event, audit entry: one statement, its own transaction)
#   one submission per transaction at 64 clients, on the same server, in the same run.
#   SQLite: ≥ 2,000 submissions a second at 16 connections (printed at 64 too).
# The endpoint group-commits (submissions arriving while a transaction runs share the next one);
# pgbench runs one submission per transaction, as the budget describes. Nothing in either takes
# a lock another submission needs: the audit entries wait for the sequencer, which places them
# in the log's tree in batches (its figures: Benchmarks/audit-log.sh).
# Usage: Benchmarks/applications.sh <postgres-url of an empty database> [seconds]
#   e.g. Benchmarks/applications.sh "$(scripts/start-postgres.sh 55433 /tmp/pg-bench)"
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
pg=${1:?a PostgreSQL URL of an empty database}
seconds=${2:-20}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-apps-bench.XXXXXX)
export TONGBAN_LOG_LEVEL=warning
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT

enterprise_login() { # the demo enterprise's credit code, from the first-start banner
  grep -oE '^  [0-9A-Z]{18} ' "$1" | head -n 1 | tr -d ' '
}

run_wrk() { # $1 base URL, $2 token, $3 body file, $4 connections
  cat >"$work/post.lua" <<LUA
local body = io.open("$3"):read("*a")
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $2"
done = function(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d non-2xx, %.0f req/s, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
LUA
  wrk -t2 -c"$4" -d"${seconds}s" -s "$work/post.lua" "$1/api/v1/applications" | grep '^wrk:'
}

serve() { # $1 data dir, $2 port, $3 log, extra env before
  TONGBAN_DATA_DIR="$1" TONGBAN_PORT="$2" "$bin" serve >"$3" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
  echo "server did not start"; cat "$3"; exit 1
}

token_for() { # $1 base URL, $2 login
  curl -sf -H 'Content-Type: application/json' -d "{\"login\":\"$2\",\"password\":\"Tongban-demo-2026\"}" "$1/api/v1/auth/login" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])'
}

echo "== PostgreSQL"
TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" "$bin" bench applications | tee "$work/prepare.txt"
grep '^body: ' "$work/prepare.txt" | sed 's/^body: //' >"$work/body.json"
login=$(TONGBAN_DATABASE_URL="$pg" python3 - "$pg" <<'PY'
import sys, subprocess
# the demo enterprise: its login is its credit code, stored in the accounts table
url = sys.argv[1].split('?')[0]
out = subprocess.run(["psql", url, "-Atc", "select credit_code from accounts where kind = 'enterprise' limit 1"], capture_output=True, text=True)
print(out.stdout.strip())
PY
)
port=18410
TONGBAN_DATABASE_URL="$pg" serve "$work/pg" $port "$work/pg.log"
token=$(token_for "http://127.0.0.1:$port" "$login")
curl -sf -o /dev/null -w "one submission: %{http_code} in %{time_total} s\n" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
  --data-binary @"$work/body.json" "http://127.0.0.1:$port/api/v1/applications"
echo "endpoint, 16 connections: $(run_wrk "http://127.0.0.1:$port" "$token" "$work/body.json" 16)"
wrk_pg=$(run_wrk "http://127.0.0.1:$port" "$token" "$work/body.json" 64)
echo "endpoint, 64 connections: $wrk_pg (budget ≥ 2,000 req/s, p99 < 100 ms)"
echo "audit entries waiting for the sequencer after the run: $(psql "${pg%%\?*}" -Atc "select count(*) from audit_queue")"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

applicant=$(psql "${pg%%\?*}" -Atc "select id from accounts where kind = 'enterprise' limit 1")
# The statement the endpoint sends: every row and the audit entry (content hash, sealed actor) with
# its row in the sequencer's queue, in one statement, which is its own transaction. (The endpoint
# takes its application numbers from a block each process reserves, and asks nothing else per
# submission; here the serial is taken inside the statement.)
cat >"$work/submit.sql" <<SQL
WITH a AS (INSERT INTO applications (id, number, applicant_id, applicant_name, applicant_tail, entered_by, applicant_present, target,
    target_code, target_version, target_name, region_code, channel, status, form, answers, idempotency_key, request_digest,
    submitted_on, due_on, visits, created_at, submitted_at)
  VALUES (gen_random_uuid(), '330106-20261123-' || lpad(CAST(nextval('application_serial') AS text), 8, '0') || '-P', '$applicant', '杭州西湖云帆科技有限公司',
    'W08L', NULL, false, 'item', 'BENCH', 1, '基准测试事项', '330106', 'online', 'submitted',
    '{"category":"乙","count":"12","mobile":"13800138000","name":"基准测试","startDate":"2026-12-01"}', '{}', NULL, NULL,
    '2026-11-23', NULL, 0, now(), now()) RETURNING id),
c AS (INSERT INTO cases (id, application_id, position, item_code, item_version, item_name, department_name, department_id, state, record,
    version, due_on, yellow_on, clock_running, owed_due, warning, updated_at)
  SELECT gen_random_uuid(), a.id, 0, 'BENCH', 1, '基准测试事项', '杭州市西湖区市场监督管理局', NULL, 'submitted',
    '{"correction":[],"limit":5,"owed":[],"pauses":[],"procedurePauses":false,"returnReasons":[],"state":"submitted","submittedOn":"2026-11-23"}',
    1, NULL, NULL, false, NULL, 'none', now() FROM a RETURNING id, application_id),
t AS (INSERT INTO case_tasks (id, case_id, application_id, position, kind, name, department_name, department_id, parallel_group,
    limit_days, status, opened_on, due_on, claimed_by, opinion, version, completed_at)
  SELECT gen_random_uuid(), c.id, c.application_id, 0, 'review', '审查', '杭州市西湖区市场监督管理局', NULL, NULL, 5, 'waiting',
    NULL, NULL, NULL, NULL, 1, NULL FROM c),
e AS (INSERT INTO case_events (id, application_id, case_id, at, actor_label, action, from_state, to_state, detail)
  SELECT gen_random_uuid(), c.application_id, c.id, now(), 'enterprise:杭州西湖云帆科技有限公司', 'submit', 'draft', 'submitted', NULL FROM c),
o AS (INSERT INTO outbox_events (id, topic, subject, payload, created_at, delivered_at)
  VALUES (gen_random_uuid(), 'application.submitted', 'pgbench', '{"application":"pgbench","cases":"1","region":"330106","target":"BENCH"}', now(), NULL)),
x AS (INSERT INTO audit_entries (entry_key, at_millis, actor_id, actor_label, action, resource, purpose, request_id, details, region_code,
    agent_id, content_hash)
  VALUES (gen_random_uuid()::text, 0, NULL, 'v2:k1.' || md5(random()::text) || md5(random()::text) || md5(random()::text),
    'application.submit', 'application:pgbench', NULL, NULL, 'v2:k1.' || md5(random()::text) || md5(random()::text), '330106', NULL,
    md5(random()::text) || md5(random()::text)) RETURNING entry_key)
INSERT INTO audit_queue (entry_key) SELECT entry_key FROM x;
SQL
pgb=$(pgbench -n -c 64 -j 2 -T "$seconds" -f "$work/submit.sql" "${pg%%\?*}" 2>&1)
tps_pg=$(echo "$pgb" | grep -oE 'tps = [0-9.]+' | head -n 1 | grep -oE '[0-9.]+')
echo "pgbench, the same writes one submission per transaction, 64 clients: $tps_pg tps ($(echo "$pgb" | grep -E 'latency average' | tr -s ' '))"
rps=$(echo "$wrk_pg" | grep -oE '[0-9]+ req/s' | grep -oE '[0-9]+')
python3 -c "print(f'ratio endpoint / pgbench: {$rps / $tps_pg:.2f} (budget ≥ 1.5)')"

echo "== SQLite"
sqlite_port=18411
TONGBAN_DATA_DIR="$work/sqlite" "$bin" bench applications >"$work/sqlite-prepare.txt"
serve "$work/sqlite" $sqlite_port "$work/sqlite.log"
login=$(sqlite3 "$work/sqlite/tongban.sqlite" "select credit_code from accounts where kind = 'enterprise' limit 1" 2>/dev/null ||
  python3 -c "import sqlite3; print(sqlite3.connect('$work/sqlite/tongban.sqlite').execute(\"select credit_code from accounts where kind = 'enterprise'\").fetchone()[0])")
token=$(token_for "http://127.0.0.1:$sqlite_port" "$login")
echo "endpoint, 16 connections: $(run_wrk "http://127.0.0.1:$sqlite_port" "$token" "$work/body.json" 16) (budget ≥ 2,000 req/s)"
echo "endpoint, 64 connections: $(run_wrk "http://127.0.0.1:$sqlite_port" "$token" "$work/body.json" 64)"
