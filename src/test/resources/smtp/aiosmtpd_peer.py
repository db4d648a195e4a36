"""A real SMTP server (aiosmtpd) for mxguard's SMTP client tests.

It answers by the local part of each address, so one server covers the cases a test needs:

  MAIL FROM  mail-tempfail@...  451 4.3.0     mail-reject@...  553 5.7.1
  RCPT TO    tempfail*@...      451 4.2.1     reject*@...      550 5.1.1
  after the message, by the sender:  data-tempfail@...  451 4.3.0   data-reject@...  554 5.6.0
  anything else                      250

and reports what it saw as one JSON object per line on stdout ("ready", "connect", "mail" with
the commands already waiting behind MAIL, "rset", "message" with the exact bytes received after
un-dot-stuffing, base64). It exits when
its stdin closes, so it never outlives the JVM that started it.

    python3 aiosmtpd_peer.py --host 127.0.0.1 --port 2525 [--size N] [--pipelining]
                             [--tls-cert cert.pem --tls-key key.pem] [--broken-tls | --refuse-tls]
"""

import argparse
import asyncio
import base64
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP

connections = 0


def emit(event, **fields):
    fields["event"] = event
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def local_part(address):
    return address.split("@", 1)[0].lower()


class Handler:
    def __init__(self, pipelining):
        self.pipelining = pipelining

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # What the client sent after MAIL without waiting for its reply: the proof of pipelining.
        pending = bytes(server._reader._buffer).decode("ascii", "replace")
        emit("mail", sender=address, options=mail_options, connection=server.number, pending=pending)
        local = local_part(address)
        if local == "mail-tempfail":
            return "451 4.3.0 try MAIL again later"
        if local == "mail-reject":
            return "553 5.7.1 sender refused"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 sender ok"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = local_part(address)
        if local.startswith("tempfail"):
            return "451 4.2.1 mailbox busy, try later"
        if local.startswith("reject"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 recipient ok"

    async def handle_RSET(self, server, session, envelope):
        emit("rset", connection=server.number)
        return "250 2.0.0 reset"

    async def handle_DATA(self, server, session, envelope):
        emit("message",
             connection=server.number,
             peer=session.peer[0],
             helo=session.host_name,
             esmtp=session.extended_smtp,
             tls=session.ssl is not None,
             sender=envelope.mail_from,
             options=envelope.mail_options,
             recipients=envelope.rcpt_tos,
             data=base64.b64encode(envelope.original_content).decode("ascii"))
        local = local_part(envelope.mail_from)
        if local == "data-tempfail":
            return "451 4.3.0 message not taken, try later"
        if local == "data-reject":
            return "554 5.6.0 message refused"
        return "250 2.0.0 queued"


class PeerSMTP(SMTP):
    broken_tls = False
    refuse_tls = False

    def connection_made(self, transport):
        upgrade = self._original_transport is not None  # the same connection, now over TLS
        super().connection_made(transport)
        if not upgrade:
            global connections
            connections += 1
            self.number = connections
            emit("connect", connection=self.number, peer=self.session.peer[0])

    async def smtp_STARTTLS(self, arg):
        if self.refuse_tls:
            await self.push("454 4.7.0 TLS not available right now")
            return
        if not self.broken_tls:
            return await super().smtp_STARTTLS(arg)
        # A server whose TLS is broken: it says go ahead, then answers the handshake with junk.
        await self.push("220 2.0.0 go ahead")
        self.transport.write(b"this is not TLS\r\n")
        self.transport.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--size", type=int, default=0, help="announce SIZE N (0: no SIZE)")
    parser.add_argument("--pipelining", action="store_true")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--broken-tls", action="store_true", help="answer the TLS handshake with junk")
    parser.add_argument("--refuse-tls", action="store_true", help="offer STARTTLS, then answer it 454")
    args = parser.parse_args()

    tls_context = None
    if args.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)
    handler = Handler(args.pipelining)
    PeerSMTP.broken_tls = args.broken_tls
    PeerSMTP.refuse_tls = args.refuse_tls

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        return PeerSMTP(handler, hostname="peer.test", data_size_limit=args.size or None,
                        tls_context=tls_context, loop=loop)

    server = loop.run_until_complete(loop.create_server(factory, host=args.host, port=args.port))

    def on_stdin():
        if not sys.stdin.buffer.read1(4096):
            loop.stop()

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    emit("ready", host=args.host, port=args.port)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
