"""Local receivers that count what OpsDesk actually delivered: an SMTP sink (every message, by recipient
and subject, with the Message-IDs its copies carried) and a webhook receiver (every POST, by `webhook-id`, optionally answering late)."""

import contextlib
import socketserver
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Tally:
    """Thread-safe counts of received items by key, and when each key arrived first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.first_at: dict[str, float] = {}
        self.idents: dict[str, set[str]] = {}  # key → the message ids its copies carried

    def add(self, key: str, ident: str = "") -> None:
        with self._lock:
            self.counts[key] += 1
            self.first_at.setdefault(key, time.time())
            self.idents.setdefault(key, set()).add(ident)

    @property
    def received(self) -> int:
        return sum(self.counts.values())

    @property
    def distinct(self) -> int:
        return len(self.counts)

    @property
    def duplicated(self) -> int:
        """Keys received more than once."""
        return sum(1 for count in self.counts.values() if count > 1)

    @property
    def unrecognisable(self) -> int:
        """Extra copies whose message id differs from the first copy's (a receiver cannot drop them)."""
        return sum(len(idents) - 1 for idents in self.idents.values())


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for Django's SMTP backend: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):  # a sender killed mid-conversation: nothing was delivered
            self._converse()

    def _converse(self) -> None:
        self.reply("220 opsdesk-reliability SMTP sink")
        recipients: list[str] = []
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-opsdesk-reliability")
                self.reply("250 8BITMIME")
            elif verb in {"HELO", "NOOP"}:
                self.reply("250 OK")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                message = message_from_bytes(b"".join(data), policy=default_policy)
                for recipient in recipients:
                    self.server.tally.add(f"{recipient} {message['Subject']}", message["Message-ID"] or "")
                self.reply("250 OK queued")
            elif verb == "RSET":
                recipients = []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    tally: Tally


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.tally.add(self.headers.get("webhook-id") or "?")
        time.sleep(self.server.delay)
        with contextlib.suppress(OSError):  # the sender may have given up waiting
            self.send_response(204)
            self.end_headers()

    def log_message(self, *args) -> None:
        pass


class _HookServer(ThreadingHTTPServer):
    daemon_threads = True
    tally: Tally
    delay: float


@contextlib.contextmanager
def _serving(server) -> Iterator:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[int, Tally]]:
    """An SMTP server on 127.0.0.1 (a free port); yields (port, tally of recipient + subject)."""
    server = _SmtpServer(("127.0.0.1", 0), _SmtpHandler)
    server.tally = Tally()
    with _serving(server):
        yield server.server_address[1], server.tally


@contextlib.contextmanager
def webhook_receiver(*, delay: float = 0.0) -> Iterator[tuple[int, Tally]]:
    """An HTTP server on 127.0.0.1 answering every POST with 204 after `delay` seconds; yields
    (port, tally of `webhook-id` headers: one id per event and subscription)."""
    server = _HookServer(("127.0.0.1", 0), _HookHandler)
    server.tally, server.delay = Tally(), delay
    with _serving(server):
        yield server.server_address[1], server.tally


def closed_port() -> int:
    """A local TCP port nothing listens on (connections are refused at once, as with a stopped Redis)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
