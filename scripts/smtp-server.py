#!/usr/bin/env python3
"""A real SMTP server for the e-mail tests (aiosmtpd): STARTTLS with a certificate made for
localhost at start, AUTH (PLAIN and LOGIN) required and only after STARTTLS. Each message is
saved in FOLDER as N.eml with N.json beside it: the envelope, whether TLS and AUTH were used,
and the headers and text as the `email` package decodes them. Prints one JSON line
{"port": …, "ca": PATH} when it listens; runs until its standard input closes.

Usage: smtp-server.py FOLDER [--user U --password P] [--no-tls]
"""
import argparse, json, os, socket, ssl, subprocess, sys, time
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("folder")
parser.add_argument("--user", default="tongban")
parser.add_argument("--password", default="s3cret-password")
parser.add_argument("--no-tls", action="store_true", help="offer neither STARTTLS nor AUTH")
args = parser.parse_args()
os.makedirs(args.folder, exist_ok=True)

cert = os.path.join(args.folder, "server.pem")
key = os.path.join(args.folder, "server.key")
subprocess.run(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
     "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
     "-keyout", key, "-out", cert],
    check=True, capture_output=True)


class Saver:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Saver.count += 1
        base = os.path.join(args.folder, str(Saver.count))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "headers": {name: str(value) for name, value in message.items()},
            "text": message.get_content(),
        }
        with open(base + ".json", "w") as f:
            json.dump(record, f, ensure_ascii=False)
        return "250 OK saved"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == args.user.encode() and auth_data.password == args.password.encode()
    return AuthResult(success=ok, handled=False)


with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]

options = {}
if not args.no_tls:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    options = dict(tls_context=context, require_starttls=True, authenticator=authenticator, auth_require_tls=True)
controller = Controller(Saver(), hostname="127.0.0.1", port=port, **options)
controller.start()
print(json.dumps({"port": port, "ca": cert}), flush=True)
try:
    sys.stdin.read()
finally:
    controller.stop()
