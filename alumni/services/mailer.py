"""Sending one message. Renders nothing: callers render their templates (in the recipient's
language) and call send_message() after their transaction is committed.

With MAIL_SERVER set, the message goes out over SMTP through Flask-Mail; without it, it is
written as an .eml file under MAIL_FILE_DIR (instance/mail/) for a developer to read.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from flask_mail import Connection, Message

from alumni.extensions import mail


def build_message(to: str, subject: str, text_body: str, html_body: str | None = None) -> Message:
    return Message(subject=subject, recipients=[to], body=text_body, html=html_body,
                   sender=current_app.config["MAIL_DEFAULT_SENDER"])


def send_message(to: str, subject: str, text_body: str, html_body: str | None = None) -> str | None:
    """Send one message to one address. Returns the .eml path when written to a file."""
    message = build_message(to, subject, text_body, html_body)
    config = current_app.config
    if config.get("MAIL_SERVER"):
        # Settings are read at each send (not frozen at start-up), so a changed configuration
        # takes effect without a restart; MAIL_SUPPRESS_SEND is honoured but never implied.
        state = mail.init_mail(config, current_app.debug, testing=False)
        with Connection(state) as connection:
            message.send(connection)
        return None
    return _write_eml(message, Path(config["MAIL_FILE_DIR"]))


def _write_eml(message: Message, directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = directory / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
    path.write_bytes(message.as_bytes())
    return str(path)
