"""Per-recipient limits on the account mail a stranger can cause (issue 23, items 6 and 9):
sign-up confirmation, "already registered", reset and claim links. Enforced where the mail is
queued, whoever asks and from whatever address; beyond the limit nothing is queued and the
requester's answer does not change."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from alumni.models import OutgoingMail
from alumni.services import membership
from alumni.services.account_mail import queue_account_mail
from alumni.services.membership import MailKind, Outcome
from tests.factories import make_account, make_member

PASSWORD = "a long enough passphrase"


def queued_to(db, recipient: str) -> int:
    return db.session.scalar(select(func.count(OutgoingMail.id)).where(OutgoingMail.recipient == recipient))


def age_outbox(db, delta: timedelta) -> None:
    """Every queued message as if queued `delta` earlier."""
    for row in db.session.scalars(select(OutgoingMail)):
        row.created_at -= delta
    db.session.flush()


def test_account_mail_to_one_recipient_is_capped_per_hour(app, db):
    assert app.config["ACCOUNT_MAIL_LIMIT_PER_RECIPIENT"] == "5 per hour"
    owner = make_account("owner@example.org")
    other = make_account("other@example.org")
    ids = [queue_account_mail(Outcome(owner, kind)) for kind in
           (MailKind.reset, MailKind.already_registered, MailKind.reset, MailKind.verify, MailKind.claim,
            MailKind.reset, MailKind.already_registered)]
    db.session.commit()
    assert [i is not None for i in ids] == [True] * 5 + [False] * 2  # every kind counts towards one cap
    assert queued_to(db, "owner@example.org") == 5
    assert queue_account_mail(Outcome(other, MailKind.reset)) is not None  # others are not affected
    # An hour later the owner can be mailed again.
    age_outbox(db, timedelta(minutes=61))
    assert queue_account_mail(Outcome(owner, MailKind.reset)) is not None


def test_other_mail_to_the_recipient_does_not_count(app, db):
    """Invitations and notices are not caused by strangers and do not use up the cap."""
    from alumni.services.outbox import queue_message

    owner = make_account("owner@example.org")
    for i in range(8):
        queue_message(dedup_key=f"invite:{i}", kind="invite", purpose="invitation", recipient="owner@example.org", subject="s",
                      text_body="t")
    assert queue_account_mail(Outcome(owner, MailKind.reset)) is not None


def test_repeated_sign_ups_send_at_most_the_cap(app, db):
    """Regression: sign-up sent any number of confirmation mails to one recipient (a relay for
    whatever text was typed into the name field)."""
    for i in range(12):
        outcome = membership.sign_up("victim@example.org", PASSWORD, f"Buy cheap pills {i}", accept_privacy=True)
        queue_account_mail(outcome)
        db.session.commit()
    assert queued_to(db, "victim@example.org") == 5


def test_reset_and_claim_requests_send_at_most_the_cap(app, db):
    make_account("owner@example.org")
    make_member(email="imported@example.org")
    for _ in range(9):
        for email in ("owner@example.org", "imported@example.org"):
            queue_account_mail(membership.request_password_link(email))
            db.session.commit()
    assert queued_to(db, "owner@example.org") == 5
    assert queued_to(db, "imported@example.org") == 5


def test_the_cap_is_configurable(app, db, monkeypatch):
    owner = make_account("owner@example.org")
    monkeypatch.setitem(app.config, "ACCOUNT_MAIL_LIMIT_PER_RECIPIENT", "2 per day")
    results = [queue_account_mail(Outcome(owner, MailKind.reset)) for _ in range(3)]
    age_outbox(db, timedelta(hours=2))
    assert queue_account_mail(Outcome(owner, MailKind.reset)) is None  # still within the day
    assert [r is not None for r in results] == [True, True, False]
