#!/usr/bin/env python3
"""A real SMTP server for usagestats tests: aiosmtpd (PyPI), on loopback, with TLS and AUTH.

Nothing here implements SMTP: aiosmtpd does. This script only configures it and stores what
it receives, so a test can read the delivered message back.

Usage (all paths are created by the caller except --maildir, which is created if missing):

    python3 smtp_server.py --port-file PORTFILE --maildir DIR --cert CERT.pem --key KEY.pem \
        --user USER --password PASS [--tls starttls|implicit|none] [--reject-rcpt ADDR ...] \
        [--lifetime SECONDS] [--stop-on-stdin-eof]

* Listens on 127.0.0.1 on a free port chosen by the OS and writes the port number to
  PORTFILE (atomically, once listening) so the caller never races for a port.
* --tls starttls (default): plain connect, STARTTLS offered and required before MAIL;
  --tls implicit: TLS from the first byte (SMTPS, like port 465);
  --tls none: no TLS at all (a local relay; --cert/--key are still read but unused).
* AUTH PLAIN and LOGIN, required before MAIL, only over TLS (except with --tls none); only USER/PASS succeed
  (wrong credentials get 535).
* --reject-rcpt ADDR: answer RCPT TO:<ADDR> with 550 (repeatable).
* Each accepted message is saved as DIR/<n>.eml (the exact DATA bytes) with DIR/<n>.json
  beside it ({"mail_from", "rcpt_tos", "auth_user", "tls"}); the .json is written last, so
  its presence means the message is complete.
* Stops on SIGTERM/SIGINT, after --lifetime seconds (default 600), and with
  --stop-on-stdin-eof when its stdin reaches EOF (the test process that holds the pipe died).

Exit status 3 with a message on stderr when aiosmtpd is not installed
(install: `pip install aiosmtpd`).
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    sys.stderr.write(
        "smtp_server.py: the Python package 'aiosmtpd' is not installed; "
        "install it with `pip install aiosmtpd`\n"
    )
    sys.exit(3)


class Store:
    """aiosmtpd handler: refuses listed recipients, saves every message."""

    def __init__(self, maildir, reject, implicit_tls):
        self.maildir = maildir
        self.implicit_tls = implicit_tls
        self.reject = {r.lower() for r in reject}
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: recipient address rejected: user unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.maildir, str(self.count))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "auth_user": (session.auth_data.login.decode()
                          if isinstance(session.auth_data, LoginPassword) else None),
            "tls": self.implicit_tls or session.ssl is not None,
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 2.0.0 Message accepted for delivery"


def make_authenticator(user, password):
    def authenticator(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = auth_data.login == user.encode() and auth_data.password == password.encode()
        # handled=False: aiosmtpd then answers a failure with 535 itself (handled=True would
        # leave the client waiting for an answer). auth_data is kept in session.auth_data.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticator


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--tls", choices=["starttls", "implicit", "none"], default="starttls")
    ap.add_argument("--reject-rcpt", action="append", default=[])
    ap.add_argument("--lifetime", type=float, default=600.0)
    ap.add_argument("--stop-on-stdin-eof", action="store_true")
    args = ap.parse_args()

    os.makedirs(args.maildir, exist_ok=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    implicit = args.tls == "implicit"
    store = Store(args.maildir, args.reject_rcpt, implicit)
    auth = make_authenticator(args.user, args.password)

    def factory():
        common = dict(
            hostname="localhost",
            auth_required=True,
            # With implicit TLS the whole connection is encrypted, but aiosmtpd only knows
            # about STARTTLS, so its own check would refuse AUTH there. "none" stands for a
            # local relay without TLS (the client's --smtp-insecure).
            auth_require_tls=args.tls == "starttls",
            authenticator=auth,
        )
        if args.tls == "starttls":
            return SMTP(store, tls_context=ctx, require_starttls=True, **common)
        return SMTP(store, **common)  # implicit: TLS is the listener's; none: no TLS

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, host="127.0.0.1", port=0,
        ssl=ctx if args.tls == "implicit" else None,
    )
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, args.port_file)
    sys.stderr.write("smtp_server.py: listening on 127.0.0.1:%d (%s)\n" % (port, args.tls))

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def watch_stdin():
        # EOF on stdin: the parent test process is gone; do not outlive it.
        try:
            while sys.stdin.buffer.read(1024):
                pass
        except Exception:
            pass
        loop.call_soon_threadsafe(stop.set)

    if args.stop_on_stdin_eof:
        threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.lifetime)
    except asyncio.TimeoutError:
        sys.stderr.write("smtp_server.py: lifetime over, stopping\n")
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
