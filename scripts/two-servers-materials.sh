#!/usr/bin/env bash
# Materials live where every serving process reads them (issue 21): two `tongban serve` processes
# on one PostgreSQL database, each with a data folder of its own (only the key file is shared, as
# two machines would share it), a material uploaded through one and opened through the other by
# the applicant and by the region's clerk, byte for byte; a file of another applicant stays 404.
# Usage: scripts/two-servers-materials.sh <postgres-url> [tongban binary]
set -euo pipefail
target=${1:?a PostgreSQL URL}
bin=${2:-$PWD/.build/debug/tongban}
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/tongban-two-servers.XXXXXX)
name=two_servers_$(date +%s)_$$
psql "${target%%\?*}" -qc "CREATE DATABASE $name" >/dev/null
export TONGBAN_DATABASE_URL="${target%%/tongban_test*}/$name?tlsmode=disable"
export TONGBAN_KEY_FILE="$work/keys.json" TONGBAN_LOG_LEVEL=warning TONGBAN_CLOCK=2026-11-24T10:00
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT

serve() { # $1 port: a process with its own data folder
  mkdir -p "$work/data-$1"
  TONGBAN_DATA_DIR="$work/data-$1" TONGBAN_PORT=$1 "$bin" serve >>"$work/serve-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return; sleep 0.1; done
  echo "server on $1 did not start"; cat "$work/serve-$1.log"; exit 1
}
# the demo accounts (on PostgreSQL only when asked: their password is public)
mkdir -p "$work/data-18181"
TONGBAN_DATA_DIR="$work/data-18181" "$bin" seed --demo >"$work/seed.log" 2>&1 || { cat "$work/seed.log"; exit 1; }
serve 18181
serve 18182

python3 - http://127.0.0.1:18181 http://127.0.0.1:18182 <<'PY'
import hashlib, json, os, sys, urllib.error, urllib.request
one, other = sys.argv[1], sys.argv[2]

def call(base, method, path, body=None, token=None, raw=None, kind=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None: request.add_header("Content-Type", kind or "application/json")
    if token: request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request) as response: return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()

def token(base, login):
    status, body = call(base, "POST", "/api/v1/auth/login", {"login": login, "password": "Tongban-demo-2026"})
    assert status == 200, body
    return json.loads(body)["accessToken"]

person = token(one, "330106199003071236")
status, body = call(one, "GET", "/api/v1/catalog/items?region=330106&q=%E5%B1%85%E4%BD%8F%E8%AF%81")
items = json.loads(body)
item = next(i for i in (items["items"] if isinstance(items, dict) else items) if i["name"].startswith("居住证"))
status, body = call(one, "GET", f"/api/v1/catalog/items/{item['code']}")
detail = json.loads(body)["item"]
material = next(m for m in detail["materials"] if m["source"] == "applicant")
status, body = call(one, "POST", "/api/v1/applications", {"item": item["code"], "submit": False}, token=person)
assert status == 201, body
application = json.loads(body)["id"]
# a 3 MB PDF of random bytes: more than one of the database's parts
pdf = b"%PDF-1.4\n" + os.urandom(3 * 1024 * 1024) + b"\n%%EOF\n"
status, body = call(one, "POST", f"/api/v1/applications/{application}/materials/{material['key']}?filename=scan.pdf",
                    token=person, raw=pdf, kind="application/pdf")
assert status == 201, body
stored = json.loads(body)["id"]
failures = 0
def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok: failures += 1
status, body = call(other, "GET", f"/api/v1/materials/{stored}", token=token(other, "330106199003071236"))
check(status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(pdf).digest(),
      f"uploaded through {one}, the applicant opens it through {other}: {len(body)} bytes, the same SHA-256")
status, body = call(other, "GET", f"/api/v1/materials/{stored}", token=token(other, "clerk"))
check(status == 200 and body == pdf, f"the region's clerk opens it through {other}")
status, body = call(other, "GET", f"/api/v1/materials/{stored}", token=token(other, "91330106MA2KXTW08L"))
check(status == 404, f"another applicant gets 404 through {other}")
sys.exit(1 if failures else 0)
PY
echo "two servers: materials shared"
