"""Mailing names are written and read back in one module: what it writes, it reads."""
import pytest

from alumni.services import mail_keys


@pytest.mark.parametrize(("name", "parts"), [
    (mail_keys.invitation_mailing(12), mail_keys.MailingParts("invite")),
    (mail_keys.update_mailing(12, 3), mail_keys.MailingParts("update", 3)),
    (mail_keys.reminder_mailing(12, 7), mail_keys.MailingParts("reminder", 7)),
    (mail_keys.cancellation_mailing(12), mail_keys.MailingParts("cancel")),
    (mail_keys.promotion_mailing(12), mail_keys.MailingParts("seat")),
])
def test_every_event_mailing_reads_back(name, parts):
    assert mail_keys.mailing_parts(name) == parts


@pytest.mark.parametrize("name", ["", "preview", "event:x:invite", "event:1:update:", "event:1:reminder:xd",
                                  "event:1:party", "event:1:invite:extra"])
def test_a_name_it_did_not_write_is_none(name):
    assert mail_keys.mailing_parts(name) is None


def test_keys_that_go_once_are_stable_and_per_request_keys_are_not():
    assert mail_keys.invitation(1, 2) == mail_keys.invitation(1, 2) != mail_keys.invitation(2, 1)
    assert mail_keys.reminder(1, 2, 7) != mail_keys.reminder(1, 2, 1)
    assert mail_keys.account("reset", 5) != mail_keys.account("reset", 5)
    assert mail_keys.calendar_reply(1, 2) != mail_keys.calendar_reply(1, 2)
