#!/usr/bin/env bash
# A bundle's submission (issue 21's budget: five member cases, p99 < 50 ms at 16 connections on
# both databases), release build, on this machine: the window clerk applies, for the demo
# enterprise at the window (帮办), for 开办餐饮店 answered so that five items apply (company
# registration, food licence, signboard, public gathering safety, tobacco licence — three of
# them waiting for the registration) — one application, five linked cases with their review
# tasks, timeline entries, a visit, the outbox event and the audit entry, group-committed — with
# wrk at 16 connections, on SQLite and (when given) PostgreSQL; run that one with fsync on
# (scripts/start-postgres.sh PORT DIR).
# Usage: Benchmarks/bundles.sh [postgres-url of an empty database] [seconds]
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
pg=${1:-}
seconds=${2:-15}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
[ "${NO_BUILD:-}" = 1 ] || swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-bundles-bench.XXXXXX)
export TONGBAN_LOG_LEVEL=warning
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

trial() { # $1 label, $2 port; TONGBAN_* exported by the caller
  echo "== $1"
  "$bin" serve >"$work/$1.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break; sleep 0.1; done
  python3 - "http://127.0.0.1:$2" "$work" <<'PY'
import json, sys, urllib.request
base, work = sys.argv[1], sys.argv[2]
def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None: request.add_header("Content-Type", "application/json")
    if token: request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response: return json.loads(response.read() or b"null")
def token(login):
    return call("POST", "/api/v1/auth/login", {"login": login, "password": "Tongban-demo-2026"})["accessToken"]
person = call("GET", "/api/v1/me", token=token("91330106MA2KXTW08L"))["id"]
answers = {"entity": "company", "signboard": "yes", "gathering": "yes", "tobacco": "yes"}
evaluation = call("POST", "/api/v1/catalog/bundles/ZJ-YJS-CYDK/evaluate", {"answers": answers})
values = {"identityNumber": "330106199003071236", "creditCode": "91330106MA2KXTW08L", "mobile": "13800138000", "region": "330106",
          "address": "浙江省杭州市西湖区文三路90号", "number": "88", "date": "2026-12-01"}
form = {}
for line in evaluation["form"]:
    field = line["field"]
    # who applies (the enterprise's name and code) is filled in by the platform from the account
    if field["type"] == "file" or field["key"] in ("enterpriseName", "creditCode"): continue
    form[field["key"]] = field["choices"][0] if field["type"] == "choice" else values.get(field["type"], "云帆小馆")
form["signboardSize"] = "6×1.2"
body = {"bundle": "ZJ-YJS-CYDK", "answers": answers, "form": form, "applicantID": person, "applicantPresent": True}
clerk = token("clerk")
first = call("POST", "/api/v1/applications", body, token=clerk)
print(f"{len(first['cases'])} member cases per application ({', '.join(c['itemName'][:12] for c in first['cases'])})")
json.dump(body, open(work + "/body.json", "w"), ensure_ascii=False)
open(work + "/clerk", "w").write(clerk)
PY
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = io.open("$work/body.json"):read("*a")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $(cat "$work/clerk")"
LUA
  wrk -t2 -c16 -d3s -s "$work/post.lua" "http://127.0.0.1:$2/api/v1/applications" >/dev/null
  wrk -t2 -c16 -d"${seconds}s" --latency -s "$work/post.lua" "http://127.0.0.1:$2/api/v1/applications" >"$work/wrk.txt"
  python3 - "$work/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rate = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
p50 = re.search(r"50%\s+(\S+)", text).group(1)
p99 = re.search(r"99%\s+(\S+)", text).group(1)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"bundle submissions (5 cases each), 16 connections: {float(rate):.0f}/s, p50 {p50}, p99 {p99}"
      f"{', ' + errors.group(1) + ' non-2xx' if errors else ''} (budget p99 < 50 ms)")
PY
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

TONGBAN_DATA_DIR="$work/sqlite" TONGBAN_PORT=18450 trial sqlite 18450
if [ -n "$pg" ]; then
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" "$bin" seed --demo >/dev/null
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" TONGBAN_PORT=18451 trial postgres 18451
fi
