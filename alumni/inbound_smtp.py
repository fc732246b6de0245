"""`flask mail listen`: an SMTP (or LMTP) listener for calendar replies, on a local port the MTA
relays the reply addresses to (docs/operations.md, "Inbound mail: calendar replies"). Each message
goes to alumni.services.inbound.receive_message, as `flask mail receive` gives it one from a pipe.

Only reply addresses (MAIL_REPLY_ADDRESS's local part with a "+" detail, at its domain) are
accepted as recipients: the listener relays nothing. A message that cannot be stored because of
a fault on our side (the database is down) is answered 451, so the MTA keeps it and tries again;
everything else is answered 250 — a forged or unmatched reply is dropped without telling the sender."""
from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from flask import Flask

from alumni.extensions import db
from alumni.services.inbound import MAX_MESSAGE_BYTES, receive_message

log = logging.getLogger(__name__)


class ReplyHandler:
    def __init__(self, app: Flask):
        self.app = app
        local, _at, domain = app.config["MAIL_REPLY_ADDRESS"].partition("@")
        self.prefix, self.domain = local.lower() + "+", domain.lower()

    def accepts(self, address: str) -> bool:
        local, _at, domain = (address or "").rpartition("@")
        return domain.lower() == self.domain and local.lower().startswith(self.prefix)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if not self.accepts(address):
            return "550 5.1.1 Not a reply address of this service"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    def _receive(self, content: bytes, recipients: list[str]) -> str:
        with self.app.app_context():
            try:
                result = receive_message(content, recipients=recipients)
                db.session.commit()
            except Exception:  # an SMTP server answers 451, never drops the line
                log.exception("inbound message could not be processed; the MTA will retry")
                db.session.rollback()
                return "451 4.3.0 Temporary failure; try again later"
            finally:
                db.session.remove()
        log.info("inbound message: %s", result)
        return "250 2.0.0 Message accepted"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", errors="replace")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._receive, content, list(envelope.rcpt_tos))


class _LmtpController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def make_listener(app: Flask, host: str, port: int, *, lmtp: bool = False) -> Controller:
    """A started-on-demand listener (call .start() and .stop())."""
    cls = _LmtpController if lmtp else Controller
    return cls(ReplyHandler(app), hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES)
