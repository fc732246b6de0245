"""Per-recipient limits on the mail a stranger can cause: sign-up confirmation, "already
registered", reset and claim links — anything queued as account mail (purpose "account").

The count is the outbox itself (rows for that recipient queued within the window), so it holds
whoever asks, from whatever client address, in every process, with no store of its own. Beyond
the limit nothing is queued; the caller answers the requester exactly as it would have, so the
limit tells nobody anything. Concurrent requests may each pass the count once (the limit can be
exceeded by the number of simultaneous requests, never by more).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from limits import parse
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import MailPurpose, OutgoingMail
from alumni.models.types import utcnow

log = logging.getLogger(__name__)

def account_mail_allowed(recipient: str, *, now: datetime | None = None) -> bool:
    """Whether one more account mail may be queued for `recipient` under
    ACCOUNT_MAIL_LIMIT_PER_RECIPIENT (e.g. "5 per hour")."""
    limit = parse(current_app.config["ACCOUNT_MAIL_LIMIT_PER_RECIPIENT"])
    since = (now or utcnow()) - timedelta(seconds=limit.get_expiry())
    sent = db.session.scalar(
        select(func.count(OutgoingMail.id)).where(
            OutgoingMail.recipient == recipient,
            OutgoingMail.purpose == MailPurpose.account,  # every mail of account life (account_mail.py)
            OutgoingMail.created_at >= since)) or 0
    if sent >= limit.amount:
        log.info("account mail withheld: the recipient's limit (%s) is reached", limit)
        return False
    return True
