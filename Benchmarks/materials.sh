#!/usr/bin/env bash
# Opening a material (issue 21's budget: p99 < 20 ms for a 5 MB PDF), release build, on this
# machine: the demo person drafts a residence permit and uploads a 5 MB PDF through the API; then
# GET /api/v1/materials/{id} with wrk, 1 and 4 connections, as the applicant (a read only) and as the
# region's window clerk (each view also records a data read with its audit entry), on SQLite and
# (when given) PostgreSQL — run that one with fsync on (scripts/start-postgres.sh PORT DIR).
# Usage: Benchmarks/materials.sh [postgres-url of an empty database] [seconds]
# Prints figures only; nothing here fails on a slow result.
set -euo pipefail
pg=${1:-}
seconds=${2:-10}
cd "$(dirname "$0")/.."
case "${pg:-}" in postgres*) scripts/pg-settings.sh "$pg" ;; esac
[ "${NO_BUILD:-}" = 1 ] || swift build -c release --product tongban >/dev/null 2>&1
bin=$PWD/.build/release/tongban
work=$(mktemp -d /tmp/tongban-materials-bench.XXXXXX)
export TONGBAN_LOG_LEVEL=warning
server=""
trap '[ -n "$server" ] && kill $server 2>/dev/null; rm -rf "$work"' EXIT

# a PDF of 5 MB: a real header and trailer around a stream of filler
python3 - "$work/five.pdf" <<'PY'
import sys
body = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n" \
       b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]>> endobj\n4 0 obj <</Length 0>> stream\n"
filler = b"% " + b"0123456789abcdef" * 63 + b"\n"
size = 5 * 1024 * 1024
out = bytearray(body)
while len(out) + len(filler) < size - 64:
    out += filler
out += b"\nendstream endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
open(sys.argv[1], "wb").write(out)
PY

trial() { # $1 label, $2 port; TONGBAN_* exported by the caller
  echo "== $1"
  "$bin" serve >"$work/$1.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && break; sleep 0.1; done
  python3 - "http://127.0.0.1:$2" "$work" <<'PY'
import json, sys, urllib.parse, urllib.request
base, work = sys.argv[1], sys.argv[2]
def call(method, path, body=None, token=None, content_type="application/json"):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None: request.add_header("Content-Type", content_type)
    if token: request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response: return json.loads(response.read() or b"null")
def token(login):
    return call("POST", "/api/v1/auth/login", {"login": login, "password": "Tongban-demo-2026"})["accessToken"]
person = token("330106199003071236")
found = call("GET", "/api/v1/catalog/items?q=" + urllib.parse.quote("居住证") + "&region=330106")["items"][0]
item = call("GET", "/api/v1/catalog/items/" + found["code"])["item"]
values = {"identityNumber": "330106199003071236", "mobile": "13800138000", "address": "浙江省杭州市西湖区文三路90号"}
form = {f["key"]: values.get(f["type"], "张晓明") for f in item["form"]}
draft = call("POST", "/api/v1/applications", {"item": found["code"], "form": form, "submit": False}, token=person)
key = next(m["key"] for m in item["materials"] if m["source"] == "applicant")
material = call("POST", f"/api/v1/applications/{draft['id']}/materials/{key}?filename=five.pdf",
                open(work + "/five.pdf", "rb").read(), token=person, content_type="application/pdf")
open(work + "/material", "w").write(material["id"])
open(work + "/person", "w").write(person)
open(work + "/clerk", "w").write(token("clerk"))
print(f"a draft of {item['name']} with {material['size']:,} bytes uploaded")
PY
  material=$(cat "$work/material")
  local port=$2 who connections
  for run in "person 1" "person 4" "clerk 1" "clerk 4"; do
    read -r who connections <<<"$run"
    wrk -t1 -c"$connections" -d2s -H "Authorization: Bearer $(cat "$work/$who")" "http://127.0.0.1:$port/api/v1/materials/$material" >/dev/null
    wrk -t1 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $(cat "$work/$who")" \
      "http://127.0.0.1:$port/api/v1/materials/$material" >"$work/wrk.txt"
    python3 - "$who" "$connections" "$work/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[3]).read()
rate = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
p50 = re.search(r"50%\s+(\S+)", text).group(1)
p99 = re.search(r"99%\s+(\S+)", text).group(1)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
who = "the applicant" if sys.argv[1] == "person" else "the window clerk (each view recorded)"
print(f"5 MB PDF opened by {who}, {sys.argv[2]} connection(s): {float(rate):.0f} req/s, p50 {p50}, p99 {p99}"
      f"{', ' + errors.group(1) + ' non-2xx' if errors else ''} (budget p99 < 20 ms)")
PY
  done
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}

TONGBAN_DATA_DIR="$work/sqlite" TONGBAN_PORT=18440 trial sqlite 18440
if [ -n "$pg" ]; then
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" "$bin" seed --demo >/dev/null
  TONGBAN_DATABASE_URL="$pg" TONGBAN_DATA_DIR="$work/pg" TONGBAN_PORT=18441 trial postgres 18441
fi
