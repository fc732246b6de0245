"""Account mail goes through the outbox: stored with the change, sent by the `mail deliver`
worker (SMTP when MAIL_SERVER is set, an .eml file otherwise), retried by it if that fails."""
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import MailStatus, OutgoingMail
from alumni.services.account_mail import queue_account_mail
from alumni.services.membership import MailKind, Outcome
from alumni.services.outbox import deliver_due
from tests.factories import deliver_mail, make_account


def test_without_a_mail_server_account_mail_becomes_an_eml_file(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_FILE_DIR", str(tmp_path))
    user = make_account("someone@example.org")
    mail_id = queue_account_mail(Outcome(user, MailKind.reset))
    db.session.commit()
    assert mail_id is not None and deliver_mail().sent == 1
    [path] = list(tmp_path.iterdir())
    assert path.suffix == ".eml" and b"/reset/" in path.read_bytes()


def test_with_a_mail_server_account_mail_goes_over_smtp(mailbox):
    user = make_account("someone@example.org")
    mail_id = queue_account_mail(Outcome(user, MailKind.reset))
    db.session.commit()
    deliver_mail()
    [received] = mailbox.to("someone@example.org")
    assert "noreply@sakura-alumni.example" in received.mail_from
    assert db.session.get(OutgoingMail, mail_id).status == MailStatus.sent


def test_account_mail_waits_in_the_outbox_when_smtp_is_down(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    user = make_account("someone@example.org")
    mail_id = queue_account_mail(Outcome(user, MailKind.reset))
    db.session.commit()
    assert deliver_mail().sent == 0
    assert db.session.get(OutgoingMail, mail_id).status == MailStatus.queued
    monkeypatch.setitem(app.config, "MAIL_PORT", mailbox.port)
    from datetime import timedelta

    from alumni.models.types import utcnow

    deliver_due("worker", now=utcnow() + timedelta(hours=1))
    assert len(mailbox.to("someone@example.org")) == 1


def test_account_mail_is_in_the_members_language(mailbox, db):
    user = make_account("hanako@example.jp", given_name="Hanako", family_name="Sato", native_name="佐藤 花子",
                        family_name_first=True, preferred_language="ja")
    queue_account_mail(Outcome(user, MailKind.reset))
    db.session.commit()
    deliver_mail()
    [received] = mailbox.to("hanako@example.jp")
    # Rendered under the ja locale, with the name written family-name first as its owner prefers.
    assert "佐藤 花子 (Sato Hanako)" in received.text()
    assert "http://alumni.test/reset/" in received.text()
    assert "http://alumni.test/reset/" in received.html()
    row = db.session.scalar(select(OutgoingMail))
    assert row.language == "ja" and row.kind == "account-reset"
