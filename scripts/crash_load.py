#!/usr/bin/env python3
"""Crash-safety load: sends submissions from several threads, each with its own Idempotency-Key
and a form naming it, and records every one the server answered 201. `load` runs until the
server dies (killed from outside); `check` then reads each recorded application back from the
restarted server and compares it with what was acknowledged; unanswered requests are retried
with their key, which must give one application each, never two.
Usage: crash_load.py load BASE TOKEN BODYFILE OUT.json [threads]
       crash_load.py check BASE TOKEN BODYFILE OUT.json"""
import http.client, json, sys, threading, time, urllib.parse, uuid

def connection(base):
    u = urllib.parse.urlparse(base)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)

def post(conn, token, body, key):
    conn.request("POST", "/api/v1/applications", body=json.dumps(body, ensure_ascii=False).encode(),
                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + token, "Idempotency-Key": key})
    r = conn.getresponse()
    return r.status, r.read()

def load(base, token, template, out, threads):
    acked, pending, lock, stop = [], [], threading.Lock(), threading.Event()
    def worker(n):
        conn = connection(base)
        i = 0
        while not stop.is_set():
            key = f"crash-{n}-{i}-{uuid.uuid4().hex[:8]}"
            body = json.loads(json.dumps(template))
            body["form"]["name"] = key[:50]
            try:
                status, data = post(conn, token, body, key)
            except Exception:
                with lock: pending.append({"key": key, "body": body})
                stop.set()
                return
            if status == 201:
                a = json.loads(data)
                with lock: acked.append({"key": key, "id": a["id"], "number": a["number"], "name": body["form"]["name"], "body": body})
            i += 1
    ts = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in ts: t.start()
    for t in ts: t.join()
    json.dump({"acked": acked, "pending": pending}, open(out, "w"), ensure_ascii=False)
    print(f"acknowledged (201) before the kill: {len(acked)}; requests cut off unanswered: {len(pending)}")

def check(base, token, out):
    data = json.load(open(out))
    conn = connection(base)
    intact = missing = altered = 0
    for a in data["acked"]:
        conn.request("GET", f"/api/v1/applications/{a['id']}", headers={"Authorization": "Bearer " + token})
        r = conn.getresponse(); body = r.read()
        if r.status != 200: missing += 1; continue
        got = json.loads(body)
        if got["number"] == a["number"] and got["form"].get("name") == a["name"] and got["status"] == "submitted": intact += 1
        else: altered += 1
    replayed = created = 0
    for p in data["pending"]:
        status, body = post(conn, token, p["body"], p["key"])
        if status == 201:
            # a replay means the cut-off request had committed; a fresh one means it had not
            conn2 = connection(base)
            conn2.request("POST", "/api/v1/applications", body=json.dumps(p["body"], ensure_ascii=False).encode(),
                          headers={"Content-Type": "application/json", "Authorization": "Bearer " + token, "Idempotency-Key": p["key"]})
            r2 = conn2.getresponse(); r2.read()
            replayed += 1 if r2.getheader("Idempotent-Replayed") == "true" else 0
            created += 1
    print(f"after restart: {intact} of {len(data['acked'])} acknowledged applications intact, {missing} missing, {altered} altered")
    print(f"cut-off requests retried with their key: {created} answered 201, and a second retry of each was a replay: {replayed == created}")
    sys.exit(0 if missing == 0 and altered == 0 else 1)

if __name__ == "__main__":
    mode, base, token, bodyfile, out = sys.argv[1:6]
    template = json.load(open(bodyfile))
    if mode == "load": load(base, token, template, out, int(sys.argv[6]) if len(sys.argv) > 6 else 16)
    else: check(base, token, out)
