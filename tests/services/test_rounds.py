"""Update rounds (issue 21): audience and scope, the mail, the member's link (answer, "nothing
changed", reused, expired, forged), reminders once, the round's figures."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from alumni.errors import Conflict, Forbidden, Invalid
from alumni.extensions import db
from alumni.models import (
    AuditEntry,
    CareerEntry,
    MailAddressHold,
    MailPurpose,
    OutgoingMail,
    ReturnVisit,
    RoundRecipient,
)
from alumni.models.types import utcnow
from alumni.services import invitations, outbox, rounds
from alumni.services.links import read_round_token, round_token_maker
from tests.factories import (
    deliver_mail,
    make_career,
    make_chapter,
    make_member,
    make_participation,
    make_user,
)

LINK = re.compile(r"/update/([A-Za-z0-9_.\-]+)")


def _start(values=None, *, actor=None, message=""):
    audience = invitations.clean_audience(values or {})
    if actor is not None:
        audience = rounds.scoped_audience(audience, actor)
    result = rounds.start_round(audience, message=message, actor=actor)
    db.session.commit()
    return result


def _token_of(member) -> str:
    body = db.session.scalar(select(OutgoingMail.text_body).where(
        OutgoingMail.member_id == member.id, OutgoingMail.purpose == MailPurpose.update_round)
        .order_by(OutgoingMail.id.desc()).limit(1))
    return LINK.search(body).group(1)


def _recipient(member) -> RoundRecipient:
    return db.session.scalar(select(RoundRecipient).where(RoundRecipient.member_id == member.id))


# ---------------------------------------------------------------- audience and queuing
def test_a_round_asks_each_member_once_in_their_language_and_skips_the_unsubscribed(app):
    make_chapter("IN", "India chapter", ("IN",))
    hindi = make_member(country="IN", preferred_language="hi")
    english = make_member(country="IN")
    gone = make_member(country="IN")
    invitations.unsubscribe(gone)
    make_member(country="KE")  # not in the audience
    db.session.commit()
    update_round, queued, skipped = _start({"chapter": "IN"}, message="Thank you!")
    assert (queued, skipped) == (2, 1)
    mails = {m.member_id: m for m in db.session.scalars(select(OutgoingMail))}
    assert set(mails) == {hindi.id, english.id}
    assert mails[hindi.id].language == "hi" and mails[english.id].language == "en"
    assert "Thank you!" in mails[english.id].text_body
    assert mails[english.id].subject == "Is your Sakura Science Club record still right?"
    assert "List-Unsubscribe" in mails[english.id].headers
    # Each link is the member's own row.
    assert db.session.get(RoundRecipient, read_round_token(_token_of(hindi))).member_id == hindi.id
    assert update_round.chapter.code == "IN"


def test_unconfirmed_months_chooses_members_not_confirmed_lately(app):
    recent, old, never = make_member(), make_member(), make_member()
    recent.confirmed_at = utcnow() - timedelta(days=30)
    old.confirmed_at = utcnow() - timedelta(days=400)
    db.session.commit()
    audience = invitations.clean_audience({"unconfirmed_months": "12"})
    _update_round, queued, _skipped = _start({"unconfirmed_months": 12})
    asked = set(db.session.scalars(select(RoundRecipient.member_id)))
    assert asked == {old.id, never.id} and queued == 2
    assert invitations.count_audience(audience).total == 2


def test_unconfirmed_months_is_checked_and_explained(app):
    with pytest.raises(Invalid) as error:
        invitations.clean_audience({"unconfirmed_months": 0})
    assert "audience.unconfirmed_months" in error.value.fields
    member = make_member()
    member.confirmed_at = utcnow()
    db.session.commit()
    audience = invitations.clean_audience({"unconfirmed_months": 6})
    assert invitations.empty_reason(audience) == "Every member confirmed their record within the last 6 months."


def test_organizers_ask_their_own_chapter_only(app):
    make_chapter("IN", "India chapter", ("IN",))
    make_chapter("LK", "Sri Lanka chapter", ("LK",))
    organizer = make_user("organizer", chapter="IN")
    make_member(country="IN")
    make_member(country="LK")
    with pytest.raises(Forbidden):
        rounds.scoped_audience(invitations.clean_audience({"chapter": "LK"}), organizer)
    update_round, queued, _skipped = _start({}, actor=organizer)
    assert queued == 1 and update_round.chapter_id == organizer.chapter_id
    member = make_user("member")
    with pytest.raises(Forbidden):
        rounds.scoped_audience(invitations.clean_audience({}), member)


# ---------------------------------------------------------------- the link
def test_an_answer_updates_the_record_confirmed_at_and_the_counts(app):
    member = make_member(country="IN")
    old = make_career(member, organisation="Delhi University", country="IN", role="student",
                      start_date=date(2018, 1, 1))
    update_round, _queued, _skipped = _start()
    recipient = rounds.recipient_for_token(_token_of(member))
    rounds.open_link(recipient)
    changed = rounds.answer_round(recipient, {
        "organisation": "RIKEN", "country": "JP", "role": "researcher", "start_date": date(2026, 4, 1),
        "return_purpose": "research", "return_start": date(2026, 4, 1),
        "preferred_language": "ja", "visibility": "public"})
    db.session.commit()
    assert changed is True
    db.session.refresh(member)
    assert member.confirmed_at is not None and member.preferred_language == "ja"
    assert member.visibility.value == "public"
    assert old.end_date == date(2026, 3, 31)
    current = rounds.current_position(member)
    assert (current.organisation, current.country, current.role.value) == ("RIKEN", "JP", "researcher")
    assert db.session.scalar(select(func.count()).select_from(ReturnVisit).where(
        ReturnVisit.member_id == member.id)) == 1
    figures = rounds.round_figures(update_round)
    assert {k: figures[k] for k in rounds.FIGURES} == {"recipients": 1, "sent": 0, "opened": 1, "answered": 1,
                                                       "changed": 1}
    assert figures["by_country"]["IN"]["changed"] == 1
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.member_id == member.id)))
    assert {"career.added", "career.updated", "return.added", "member.updated", "round.answered"} <= actions


def test_nothing_changed_confirms_and_answers_unchanged(app):
    member = make_member()
    make_career(member)
    before = db.session.scalar(select(func.count()).select_from(CareerEntry))
    _start()
    recipient = rounds.recipient_for_token(_token_of(member))
    assert rounds.answer_round(recipient, {"organisation": "Ignored"}, unchanged=True) is False
    db.session.commit()
    assert recipient.answered_at is not None and recipient.changed is False
    assert member.confirmed_at == recipient.answered_at
    assert db.session.scalar(select(func.count()).select_from(CareerEntry)) == before


def test_the_same_position_again_is_no_change(app):
    member = make_member()
    current = make_career(member, organisation="Kyoto University", country="JP", role="researcher")
    _start()
    recipient = rounds.recipient_for_token(_token_of(member))
    changed = rounds.answer_round(recipient, {"organisation": "Kyoto University", "country": "JP",
                                              "role": "researcher", "institution_id": None,
                                              "preferred_language": "en", "visibility": "members"})
    assert changed is False and current.end_date is None


def test_a_reused_link_after_answering_changes_nothing(app):
    member = make_member()
    _start()
    token = _token_of(member)
    rounds.answer_round(rounds.recipient_for_token(token), {}, unchanged=True)
    db.session.commit()
    first = member.confirmed_at
    with pytest.raises(Conflict):
        rounds.answer_round(rounds.recipient_for_token(token), {"organisation": "Elsewhere", "country": "FR",
                                                                "role": "engineer"})
    db.session.rollback()
    assert member.confirmed_at == first
    assert db.session.scalar(select(func.count()).select_from(CareerEntry)) == 0


def test_an_expired_link_and_a_forged_one_are_refused(app, monkeypatch):
    member = make_member()
    _start()
    token = _token_of(member)
    monkeypatch.setitem(app.config, "ROUND_LINK_MAX_AGE", -1)
    with pytest.raises(Invalid, match="expired"):
        rounds.recipient_for_token(token)
    monkeypatch.setitem(app.config, "ROUND_LINK_MAX_AGE", 3600)
    forged = round_token_maker()(_recipient(member).id)[:-3] + "abc"
    with pytest.raises(Invalid, match="not valid"):
        rounds.recipient_for_token(forged)
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-" + "x" * 40)
    with pytest.raises(Invalid, match="not valid"):
        rounds.recipient_for_token(token)
    assert member.confirmed_at is None


def test_an_invalid_answer_is_refused_with_the_field_named(app):
    member = make_member()
    _start()
    recipient = rounds.recipient_for_token(_token_of(member))
    with pytest.raises(Invalid) as error:
        rounds.answer_round(recipient, {"return_purpose": "research", "return_start": "not a date"})
    assert "return_start" in error.value.fields


def test_saving_ones_own_profile_confirms_the_record(app):
    from alumni.services.membership import update_profile

    member = make_member()
    user = make_user("member", member=member)
    update_profile(member, {"field": "Chemistry"}, actor=user)
    assert member.confirmed_at is not None
    other = make_member()
    update_profile(other, {"field": "Physics"}, actor=make_user("staff"))
    assert other.confirmed_at is None  # a staff correction is no confirmation by the member


# ---------------------------------------------------------------- sent and reminders
def test_delivery_marks_the_row_sent(app, smtp):
    member = make_member()
    update_round, _queued, _skipped = _start()
    deliver_mail()
    db.session.expire_all()
    assert _recipient(member).sent_at is not None
    assert rounds.round_figures(update_round)["sent"] == 1


def test_reminders_go_once_to_those_who_did_not_answer_and_never_to_the_unsubscribed(app):
    answered, silent, unsubscribed = make_member(), make_member(), make_member()
    update_round, _queued, _skipped = _start()
    rounds.answer_round(rounds.recipient_for_token(_token_of(answered)), {}, unchanged=True)
    invitations.unsubscribe(unsubscribed)
    db.session.commit()
    assert rounds.remind_rounds() == (0, 0)  # not a week yet
    later = utcnow() + timedelta(days=8)
    queued, skipped = rounds.remind_rounds(now=later)
    db.session.commit()
    assert (queued, skipped) == (1, 0)
    reminders = list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "update-round-reminder")))
    assert [m.member_id for m in reminders] == [silent.id]
    assert reminders[0].subject.startswith("Reminder:")
    assert rounds.remind_rounds(now=later + timedelta(days=1)) == (0, 0)
    assert rounds.remind_rounds(now=utcnow() + timedelta(days=40)) == (0, 0)  # the links expired anyway
    # The reminder's link is the member's own too.
    assert rounds.recipient_for_token(_token_of(silent)).member_id == silent.id
    assert update_round.id == _recipient(silent).round_id


def test_unsubscribing_withdraws_a_request_not_yet_sent(app):
    member = make_member()
    _start()
    invitations.unsubscribe(member)
    db.session.commit()
    assert not list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.member_id == member.id)))


def test_held_addresses_are_skipped(app):
    member = make_member()
    db.session.add(MailAddressHold(email=member.email, permanent_failures=outbox.HOLD_AFTER, held=True))
    db.session.commit()
    _update_round, queued, skipped = _start()
    assert (queued, skipped) == (0, 1)


def test_figures_by_cohort_and_the_csv_suppresses_small_cells(app):
    for _ in range(6):
        make_participation(make_member(country="IN"), start_date=date(2019, 7, 1), end_date=date(2019, 7, 7))
    make_member(country="KE")
    update_round, _queued, _skipped = _start()
    figures = rounds.round_figures(update_round)
    assert figures["by_cohort"]["2019"]["recipients"] == 6 and figures["by_cohort"][""]["recipients"] == 1
    rows = rounds.round_csv_rows(update_round)
    assert rows[0] == ["dimension", "key", *rounds.FIGURES]
    assert ["total", "", 7, 0, 0, 0, 0] in rows
    assert ["country", "KE", "<5", 0, 0, 0, 0] in rows
    # 7 asked, 1 without a cohort: "6" beside the total would give that one away
    assert ["cohort", "2019", "≥5", 0, 0, 0, 0] in rows and ["cohort", "", "<5", 0, 0, 0, 0] in rows


def test_the_scheduler_and_the_cli_send_the_reminders(app, runner, monkeypatch):
    from alumni.services.schedule import TASKS

    assert "rounds remind" in {task.name for task in TASKS}
    silent = make_member()
    _start()
    monkeypatch.setitem(app.config, "ROUND_REMIND_AFTER", 0)
    result = runner.invoke(args=["rounds", "remind"])
    assert result.exit_code == 0 and result.output.strip() == "queued 1, skipped 0"
    assert runner.invoke(args=["rounds", "remind"]).output.strip() == "queued 0, skipped 0"
    assert _recipient(silent).reminded_at is not None


def test_round_mailing_names_read_back():
    from alumni.services import mail_keys

    assert mail_keys.round_of_mailing(mail_keys.round_mailing(12)) == 12
    assert mail_keys.round_of_mailing(mail_keys.round_mailing(12, reminder=True)) is None
    assert mail_keys.round_of_mailing("event:12:invite") is None
