#!/usr/bin/env python3
"""Holds a running Tongban's audit log to account the way an outside auditor would, with code
of its own (RFC 9162's verification steps written here again, in Python; Ed25519 from the
`cryptography` package): the signed tree head against the key published in /.well-known/jwks.json,
then, after the log has grown, the consistency proof between the two heads.

Usage: scripts/audit-log-check.py BASE_URL
Exit status 0 when every check passes."""
import base64
import hashlib
import json
import sys
import time
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=10).read()
    except urllib.error.HTTPError:
        pass  # a refused sign-in is still an audited write


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def consistent(first, second, first_root, second_root, path):
    """RFC 9162 section 2.1.4.2, step by step."""
    if first == second:
        return not path and first_root == second_root
    if not path or first > second:
        return False
    if first & (first - 1) == 0:
        path = [first_root] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def check_head(head, keys):
    jwk = keys.get(head["keyID"])
    if jwk is None:
        raise SystemExit(f"FAILED: the head's key {head['keyID']} is not in the published JWK Set")
    x = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    Ed25519PublicKey.from_public_bytes(x).verify(base64.b64decode(head["signature"]), head["checkpoint"].encode())
    lines = head["checkpoint"].split("\n")
    root = base64.b64decode(lines[2])
    if int(lines[1]) != head["treeSize"] or root.hex() != head["rootHash"] or lines[3] != f"time {head['timestampMillis']}":
        raise SystemExit("FAILED: the signed checkpoint does not say what the head says")
    return root


def main():
    base = sys.argv[1].rstrip("/")
    keys = {key["kid"]: key for key in get(base + "/.well-known/jwks.json")["keys"]}
    first = get(base + "/api/v1/audit/tree-head")
    first_root = check_head(first, keys)
    print(f"tree head of {first['treeSize']} entries: signature checks with {first['keyID']}")
    for n in range(3):
        post(base + "/api/v1/auth/login", {"login": f"auditor-check-{n}", "password": "not-a-password-1"})
    second = first
    for _ in range(50):
        time.sleep(0.2)
        second = get(base + "/api/v1/audit/tree-head")
        if second["treeSize"] > first["treeSize"]:
            break
    if second["treeSize"] <= first["treeSize"]:
        raise SystemExit("FAILED: the log did not grow within 10 s of three audited writes")
    second_root = check_head(second, keys)
    proof = get(base + f"/api/v1/audit/consistency?from={first['treeSize']}&to={second['treeSize']}")
    path = [bytes.fromhex(h) for h in proof["path"]]
    if not consistent(first["treeSize"], second["treeSize"], first_root, second_root, path):
        raise SystemExit("FAILED: the consistency proof does not check")
    print(f"grew to {second['treeSize']}: signature checks, and the consistency proof ({len(path)} hashes) shows it only appended")
    tampered = second_root[:-1] + bytes([second_root[-1] ^ 1])
    if consistent(first["treeSize"], second["treeSize"], first_root, tampered, path):
        raise SystemExit("FAILED: the checker accepted a changed root")


if __name__ == "__main__":
    main()
