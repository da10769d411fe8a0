#!/usr/bin/env python3
"""Real webhook deliveries from a running `tongban serve`, checked with the reference library.

A receiver on a loopback port answers 500 to every third request (so retries happen); the
market regulator's data administrator subscribes a client system to it; the regulator's
reviewer suspends and restores the demo business licence N times. Every request that arrives
must verify with the `standardwebhooks` library (v1, the subscription's secret) and with the
platform's Ed25519 key from /.well-known/jwks.json (v1a); every event must arrive (deduplicated
by webhook-id), in the order it was written.

The server must run with TONGBAN_WEBHOOK_ALLOW_LOOPBACK=1 (and a short TONGBAN_WEBHOOK_RETRY).
Usage: webhook-check.py BASE_URL SERVE_LOG [CHANGES]
"""
import base64
import json
import re
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook

base, serve_log = sys.argv[1], sys.argv[2]
changes = int(sys.argv[3]) if len(sys.argv) > 3 else 10

received = []
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        with lock:
            received.append((dict(self.headers.items()), body))
            count = len(received)
        self.send_response(500 if count % 3 == 0 else 204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def sign_in(login):
    status, body = call("POST", "/api/v1/auth/login", {"login": login, "password": PASSWORD})
    assert status == 200, f"sign-in of {login}: {status} {body}"
    return body["accessToken"]


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{server.server_address[1]}/tongban"

log = open(serve_log).read()
password = re.search(r"password for all: (\S+?)\)", log)
if not password:
    fail("the demo password is not in the serve log")
PASSWORD = password.group(1)
enterprise = next((m.group(1) for m in re.finditer(r"^\s+(\S+)\s+.*enterprise", log, re.M)), None)
if not enterprise:
    fail("the demo enterprise's login is not in the serve log")
amr = sign_in("data.amr")
status, client = call("POST", "/api/v1/data/clients", {"name": "webhook-check", "clearance": "internal"}, amr)
assert status == 201, (status, client)
status, subscription = call("POST", "/api/v1/webhooks", {"clientID": client["id"], "url": url, "topics": ["license.*"]}, amr)
assert status == 201, (status, subscription)
secret = subscription["secret"]

status, wallet = call("GET", "/api/v1/licenses", token=sign_in(enterprise))
licence = next(l for l in wallet if l["typeCode"] == "yyzz")["identifier"]
reviewer = sign_in("reviewer.amr")
written = []
for index in range(changes):
    to = "02" if index % 2 == 0 else "01"
    status, body = call("POST", f"/api/v1/licenses/{licence}/status", {"status": to, "reason": f"webhook check {index}"}, reviewer)
    if status != 200:
        fail(f"status change {index}: {status} {body}")
    written.append(to)

deadline = time.time() + 60
while time.time() < deadline:
    with lock:
        distinct = {headers.get("webhook-id") or headers.get("Webhook-Id") for headers, _ in received}
    if len(distinct) >= changes:
        break
    time.sleep(0.2)

jwks = json.loads(urllib.request.urlopen(base + "/.well-known/jwks.json").read())
key = next(k for k in jwks["keys"] if k["kid"].startswith("webhook-"))
public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4)))
verifier = Webhook(secret)
first_seen = {}
with lock:
    arrived = list(received)
for headers, body in arrived:
    lowered = {k.lower(): v for k, v in headers.items()}
    payload = verifier.verify(body, lowered)  # raises unless a v1 signature matches
    signed = f"{lowered['webhook-id']}.{lowered['webhook-timestamp']}.".encode() + body
    v1a = [s.split(",", 1)[1] for s in lowered["webhook-signature"].split(" ") if s.startswith("v1a,")]
    if not v1a:
        fail("no v1a signature")
    public.verify(base64.b64decode(v1a[0]), signed)  # raises on a bad signature
    if payload["type"] != "license.status" or payload["data"]["license"] != licence:
        fail(f"unexpected message {payload}")
    first_seen.setdefault(lowered["webhook-id"], payload["data"]["to"])

order = list(first_seen.values())
print(f"{len(arrived)} requests ({len(arrived) - len(first_seen)} retries after a 500), {len(first_seen)} distinct messages")
if len(first_seen) != changes:
    fail(f"{len(first_seen)} of {changes} events arrived")
if order != written:
    fail(f"out of order: written {written}, arrived {order}")
status, delivered = call("GET", "/api/v1/webhooks/deliveries?state=delivered", token=amr)
if status != 200 or len([d for d in delivered if d["topic"] == "license.status"]) < changes:
    fail(f"deliveries not recorded as delivered: {status}")
print("every request verified with standardwebhooks (v1) and the JWKS key (v1a); every event once, in order")
server.shutdown()
