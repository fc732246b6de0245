"""A real SMTP server (aiosmtpd) on a loopback port for the tests: it keeps what it receives,
can refuse chosen recipients with a 5xx or 4xx, and can be stopped and started again."""
from __future__ import annotations

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.sink.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        received = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        with self.sink.lock:
            self.sink.received.append(received)
            self.sink.messages.append(received.message)
        return "250 Message accepted"


class ReceivedMail:
    """One message as the server received it: the envelope and the parsed message."""

    def __init__(self, mail_from: str, rcpt_tos: list[str], raw: bytes):
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.raw = raw
        self.message = email.message_from_bytes(raw, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    def __repr__(self) -> str:
        return f"<ReceivedMail to={self.rcpt_tos} {self.subject!r}>"


class SmtpSink:
    def __init__(self):
        self.port = free_port()
        #: Parsed messages (what most tests read) and the same with their envelopes.
        self.messages: list[email.message.EmailMessage] = []
        self.received: list[ReceivedMail] = []
        self.refuse: dict[str, str] = {}
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.received.clear()
        self.refuse.clear()

    def to(self, address: str) -> list:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]


class Mailbox:
    """The same server seen by envelope: `to(address)` answers ReceivedMail objects."""

    def __init__(self, sink: SmtpSink):
        self.sink = sink
        self.port = sink.port

    @property
    def messages(self) -> list[ReceivedMail]:
        return self.sink.received

    def to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.sink.received if address in m.rcpt_tos]
