"""Update rounds (issue 21): staff or a chapter's organizers ask an audience of members whether
their record is still right. Each member gets a mail in their language with a signed, expiring
link bound to their recipient row (services.links.round_token_maker); the link opens a short page
without a password (current position, return visits, contact language, visibility) where
"Nothing changed" is one click. An answer goes through the member services (audit entries
written, the member's own account as the actor), sets `Member.confirmed_at` and the row's
answered_at/changed; after it the link changes nothing. One reminder goes to those who have not
answered (`remind_rounds`, a scheduled task). Unsubscribed members are never asked.

The audience is the invitations' (services.invitations: clean_audience, audience_filter, its
"not confirmed for N months"); an organizer's is their chapter's (`scoped_audience`). Queuing is
set-based: the recipient rows in one multi-row INSERT, the mail rendered once per language."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import InstrumentedAttribute

from alumni.errors import Conflict, Forbidden, Invalid, NotFound
from alumni.extensions import db
from alumni.i18n import RTL_LANGUAGES, _, babel_locale
from alumni.models import CareerEntry, Chapter, Member, OutgoingMail, ReturnVisit, RoundRecipient, UpdateRound, User
from alumni.models.mail import MailPurpose
from alumni.models.types import utcnow
from alumni.permissions import can_view_round, is_staff
from alumni.services import audit, mail_keys, outbox
from alumni.services import members as member_svc
from alumni.services import validation as v
from alumni.services.invitations import Audience, audience_filter
from alumni.services.links import read_round_token, round_token_maker
from alumni.services.mailmerge import Recipient, recipient_name, unsubscribe_headers, unsubscribe_urls
from alumni.services.membership import update_profile
from alumni.services.reports import suppress_cells
from alumni.services.urls import external_url, home_url
from alumni.signals import mail_sent

log = logging.getLogger(__name__)

MAX_MESSAGE = 2000
#: The figures a round shows, in this order (page, CSV, API).
FIGURES = ("recipients", "sent", "opened", "answered", "changed")
#: Fields of the answer page that the answer reads.
POSITION_FIELDS = ("organisation", "institution_id", "country", "role", "start_date")
RETURN_FIELDS = ("return_purpose", "return_start", "return_end")
CONTACT_FIELDS = ("preferred_language", "visibility")


# ---------------------------------------------------------------- starting a round
def scoped_audience(audience: Audience, actor: User | None) -> Audience:
    """The audience `actor` may ask: anyone for staff; an organizer's own chapter (given or not),
    never another one."""
    if is_staff(actor):
        return audience
    chapter = actor.chapter if actor is not None and actor.role.value == "organizer" else None
    if chapter is None:
        raise Forbidden(_("You may not do this."))
    if audience.chapter not in (None, chapter.code):
        raise Forbidden(_("Organizers ask the members of their own chapter only."), field="audience.chapter")
    return replace(audience, chapter=chapter.code)


def round_chapter_id(audience: Audience) -> int | None:
    """The chapter whose organizers follow a round to this audience (None: staff only)."""
    if not audience.chapter:
        return None
    return db.session.scalar(select(Chapter.id).where(Chapter.code == audience.chapter))


def clean_message(value: object) -> str:
    return v.text(value, "message", max_length=MAX_MESSAGE, multiline=True)


def start_round(audience: Audience, *, message: str = "", actor: User | None,
                now: datetime | None = None) -> tuple[UpdateRound, int, int]:
    """Start a round for the audience (already `scoped_audience`) and queue its mail; answers
    (round, queued, skipped) — skipped: unsubscribed members and addresses on hold."""
    now = now or utcnow()
    text = clean_message(message)
    members = db.session.execute(
        select(Member.id, Member.email, Member.preferred_language, Member.given_name, Member.family_name,
               Member.native_name, Member.family_name_first, Member.invitations_unsubscribed_at)
        .where(*audience_filter(audience, now=now)).order_by(Member.id)).all()
    held = outbox.held_addresses(m.email for m in members)
    asked = [m for m in members if m.invitations_unsubscribed_at is None and m.email not in held]
    update_round = UpdateRound(started_by_id=getattr(actor, "id", None), chapter_id=round_chapter_id(audience),
                               audience=audit.plain(audience.as_dict()), message=text, created_at=now)
    db.session.add(update_round)
    db.session.flush()
    rows = [{"round_id": update_round.id, "member_id": m.id, "changed": False} for m in asked]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(RoundRecipient), rows[start:start + 5000])
    ids = dict(db.session.execute(select(RoundRecipient.member_id, RoundRecipient.id)
                                  .where(RoundRecipient.round_id == update_round.id)).all())
    recipients = [(ids[m.id], Recipient(m.id, m.email, m.preferred_language or "en",
                                        recipient_name(m.given_name, m.family_name, m.native_name,
                                                       m.family_name_first))) for m in asked]
    queued, _skipped = outbox.queue_many(render_round_mail(update_round, recipients))
    skipped = len(members) - queued
    audit.record(actor, "round.started", subject=update_round,
                 changes={"queued": [0, queued], "skipped": [0, skipped], "audience": [None, update_round.audience]})
    return update_round, queued, skipped


# ---------------------------------------------------------------- the mail
def _subject(reminder: bool) -> str:
    return (_("Reminder: is your Sakura Science Club record still right?") if reminder
            else _("Is your Sakura Science Club record still right?"))


def render_round_mail(update_round: UpdateRound, recipients: Iterable[tuple[int, Recipient]], *,
                      reminder: bool = False) -> list[outbox.OutboxRow]:
    """Outbox rows for (recipient row id, recipient) pairs, rendered once per language."""
    by_language: dict[str, list[tuple[int, Recipient]]] = {}
    for pair in recipients:
        by_language.setdefault(pair[1].language, []).append(pair)
    token_for = round_token_maker()
    unsubscribe_for = unsubscribe_urls()
    mark = f"token{uuid.uuid4().hex}"
    link_pattern = external_url("rounds.answer", token=mark)
    rows: list[outbox.OutboxRow] = []
    for language, group in sorted(by_language.items()):
        text_form, html_form, subject, marks = _render_forms(update_round, language, reminder)
        for recipient_id, r in group:
            values = {"name": r.name or marks["nameless"], "link": link_pattern.replace(mark, token_for(recipient_id)),
                      "unsubscribe_url": unsubscribe_for(r.member_id)}
            text, html = text_form, html_form
            for key, value in values.items():
                text = text.replace(marks[key], value)
                html = html.replace(marks[key], str(escape(value)))
            rows.append({
                "dedup_key": (mail_keys.round_reminder if reminder else mail_keys.update_round)(
                    update_round.id, r.member_id),
                "mailing": mail_keys.round_mailing(update_round.id, reminder=reminder),
                "kind": "update-round-reminder" if reminder else "update-round", "purpose": MailPurpose.update_round,
                "recipient": r.email, "member_id": r.member_id, "language": language, "subject": subject,
                "text_body": text, "html_body": html, "headers": unsubscribe_headers(language, values["unsubscribe_url"]),
            })
    return rows


def _render_forms(update_round: UpdateRound, language: str, reminder: bool) -> tuple[str, str, str, dict[str, str]]:
    """The mail's text and HTML in `language`, with markers where each member's values go."""
    env = current_app.jinja_env
    marks = {key: f"\x1e{uuid.uuid4().hex}\x1e" for key in ("name", "link", "unsubscribe_url")}
    with force_locale(babel_locale(language)):
        subject = _subject(reminder)
        context = {**marks, "message": update_round.message, "reminder": reminder, "lang": language,
                   "dir": "rtl" if language in RTL_LANGUAGES else "ltr", "subject": subject,
                   "days": current_app.config["ROUND_LINK_MAX_AGE"] // 86400, "base_url": home_url()}
        text = env.get_template("email/update_round.txt").render(context)
        html = env.get_template("email/update_round.html").render(context)
        marks["nameless"] = _("Alumna or alumnus")
    return text, html, subject, marks


def preview_round_mail(language: str, message: str = "") -> outbox.OutboxRow:
    """The mail as a member reading `language` will get it (a sample reader; the link is a sample)."""
    sample = UpdateRound(id=0, message=message)
    [row] = render_round_mail(sample, [(0, Recipient(0, "member@example.org", language, ""))])
    return row


def _sent(sender: object, ids: list[int] | None = None, **_extra: Any) -> None:
    """The worker sent messages: the rounds' rows whose first mail went get their sent_at. This
    receiver commits (unlike the others): mail_sent comes after the worker's own commit, outside
    any change's transaction; a failure here is logged and never stops the delivery."""
    if not ids:
        return
    try:
        _mark_rows_sent(ids)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("update rounds: sent_at not recorded for %s messages", len(ids))


def _mark_rows_sent(ids: list[int]) -> None:
    rows = db.session.execute(select(OutgoingMail.mailing, OutgoingMail.member_id).where(
        OutgoingMail.id.in_(ids), OutgoingMail.purpose == MailPurpose.update_round)).all()
    by_round: dict[int, list[int]] = {}
    for mailing, member_id in rows:
        round_id = mail_keys.round_of_mailing(mailing)
        if round_id is not None and member_id is not None:
            by_round.setdefault(round_id, []).append(member_id)
    for round_id, member_ids in by_round.items():
        db.session.execute(update(RoundRecipient).where(
            RoundRecipient.round_id == round_id, RoundRecipient.member_id.in_(member_ids),
            RoundRecipient.sent_at.is_(None)).values(sent_at=utcnow()))
    if by_round:
        db.session.commit()


mail_sent.connect(_sent)


# ---------------------------------------------------------------- reminders
def remind_rounds(now: datetime | None = None) -> tuple[int, int]:
    """Queue the one reminder to every recipient who has not answered ROUND_REMIND_AFTER after
    their round started, while the link still works; members who unsubscribed meanwhile are left
    out; answers (queued, skipped: held addresses). Idempotent: a row is reminded once."""
    now = now or utcnow()
    remind_after = timedelta(seconds=current_app.config["ROUND_REMIND_AFTER"])
    link_age = timedelta(seconds=current_app.config["ROUND_LINK_MAX_AGE"])
    due = db.session.execute(
        select(RoundRecipient.id, RoundRecipient.round_id, Member.id, Member.email, Member.preferred_language,
               Member.given_name, Member.family_name, Member.native_name, Member.family_name_first)
        .join(Member, Member.id == RoundRecipient.member_id).join(UpdateRound)
        .where(RoundRecipient.answered_at.is_(None), RoundRecipient.reminded_at.is_(None),
               Member.invitations_unsubscribed_at.is_(None),
               UpdateRound.created_at <= now - remind_after, UpdateRound.created_at > now - link_age)
        .order_by(RoundRecipient.round_id, RoundRecipient.id)).all()
    asked = list(due)
    queued = 0
    for round_id in sorted({row.round_id for row in asked}):
        update_round = db.session.get(UpdateRound, round_id)
        assert update_round is not None
        pairs = [(row[0], Recipient(row[2], row.email, row.preferred_language or "en",
                                    recipient_name(row.given_name, row.family_name, row.native_name,
                                                   row.family_name_first)))
                 for row in asked if row.round_id == round_id]
        queued += outbox.queue_many(render_round_mail(update_round, pairs, reminder=True))[0]
    reminded = [row[0] for row in asked]
    for start in range(0, len(reminded), 1000):
        db.session.execute(update(RoundRecipient).where(RoundRecipient.id.in_(reminded[start:start + 1000]))
                           .values(reminded_at=now))
    return queued, len(due) - queued


# ---------------------------------------------------------------- the member's link
def recipient_for_token(token: str) -> RoundRecipient:
    """The recipient row a genuine, fresh link names (Invalid otherwise: expired or forged)."""
    recipient = db.session.get(RoundRecipient, read_round_token(token))
    if recipient is None or recipient.member is None:  # the member's record is gone
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token")
    return recipient


def open_link(recipient: RoundRecipient, *, now: datetime | None = None) -> None:
    """The member opened their link (the first time counts)."""
    if recipient.opened_at is None:
        recipient.opened_at = now or utcnow()
        db.session.flush()


def current_position(member: Member) -> CareerEntry | None:
    """The member's current position: the open career entry that started last."""
    return db.session.scalars(select(CareerEntry).where(CareerEntry.member_id == member.id,
                                                        CareerEntry.end_date.is_(None))
                              .order_by(CareerEntry.start_date.desc(), CareerEntry.id.desc()).limit(1)).first()


def returns_since_last_answer(member: Member) -> list[ReturnVisit]:
    """Return visits recorded since the member last confirmed (all of them if never)."""
    stmt = select(ReturnVisit).where(ReturnVisit.member_id == member.id).order_by(ReturnVisit.start_date)
    if member.confirmed_at is not None:
        stmt = stmt.where(ReturnVisit.start_date >= member.confirmed_at.date())
    return list(db.session.scalars(stmt))


def _check_unanswered(recipient: RoundRecipient) -> None:
    # Locked until the answer commits: the same link sent twice at once answers once.
    db.session.refresh(recipient, with_for_update=True)
    if recipient.answered_at is not None:
        raise Conflict(_("You have already answered; thank you. This link changes nothing any more."),
                       field="token")


def answer_round(recipient: RoundRecipient, values: dict[str, Any], *, unchanged: bool = False,
                 now: datetime | None = None) -> bool:
    """The member's answer through their link: "nothing changed" (`unchanged`), or the page's
    values — a new current position, a return visit, contact language and visibility — saved
    through the member services with the member's own account as the actor. Sets confirmed_at
    and the row's answered_at and changed; answers whether the record changed."""
    _check_unanswered(recipient)
    now = now or utcnow()
    member = recipient.member
    actor = audit.own_account(member)
    changed = False
    if not unchanged:
        changed = _save_position(member, values, actor, now.date())
        changed = _save_return(member, values, actor) or changed
        changed = _save_contact(member, values, actor) or changed
    member.confirmed_at = now
    recipient.answered_at = now
    recipient.changed = changed
    db.session.flush()
    audit.record(actor, "round.answered", member=member, subject=recipient.round,
                 changes={"changed": [None, changed]})
    return changed


def _save_position(member: Member, values: dict[str, Any], actor: User | None, today: date) -> bool:
    """A position unlike the current one (organisation, institution, country, role) ends the
    current one and starts the new one; the same position changes nothing."""
    if not (values.get("organisation") or "").strip():
        return False
    current = current_position(member)
    wanted = {"organisation": values.get("organisation"), "institution_id": values.get("institution_id") or None,
              "country": values.get("country"), "role": values.get("role"),
              "start_date": values.get("start_date") or today}
    if current is not None and (current.organisation, current.institution_id, current.country,
                                current.role.value) == (str(wanted["organisation"]).strip(),
                                                        wanted["institution_id"], str(wanted["country"] or "").upper(),
                                                        wanted["role"]):
        return False
    start = v.parse_date(wanted["start_date"], "start_date")
    if current is not None:
        member_svc.update_career(current, {"end_date": max(current.start_date, start - timedelta(days=1))},
                                 actor=actor)
    member_svc.add_career(member, {**wanted, "start_date": start}, actor=actor)
    return True


def _save_return(member: Member, values: dict[str, Any], actor: User | None) -> bool:
    if not values.get("return_purpose"):
        return False
    try:
        member_svc.add_return(member, {"purpose": values.get("return_purpose"),
                                       "start_date": values.get("return_start"),
                                       "end_date": values.get("return_end") or None}, actor=actor)
    except Invalid as error:  # the page's fields for a return are named return_*
        names = {"purpose": "return_purpose", "start_date": "return_start", "end_date": "return_end"}
        raise Invalid(error.message, fields={names.get(k, k): m for k, m in error.fields.items()}) from None
    return True


def _save_contact(member: Member, values: dict[str, Any], actor: User | None) -> bool:
    changes = {name: values[name] for name in CONTACT_FIELDS
               if values.get(name) and values[name] != getattr(getattr(member, name), "value", getattr(member, name))}
    if changes:
        update_profile(member, changes, actor=actor)
    return bool(changes)


# ---------------------------------------------------------------- following a round
def get_round(round_id: int) -> UpdateRound:
    update_round = db.session.get(UpdateRound, round_id)
    if update_round is None:
        raise NotFound(_("There is no update round %(id)s.", id=round_id))
    return update_round


def visible_round(actor: User | None, round_id: int) -> UpdateRound:
    """The round if `actor` may follow it (Forbidden otherwise)."""
    update_round = get_round(round_id)
    if not can_view_round(actor, update_round):
        raise Forbidden(_("You may not do this."))
    return update_round


def rounds_for(actor: User | None) -> Select[UpdateRound]:
    """The rounds `actor` may follow, newest first (staff: all; an organizer: their chapter's)."""
    stmt = select(UpdateRound).order_by(UpdateRound.created_at.desc(), UpdateRound.id.desc())
    if not is_staff(actor):
        stmt = stmt.where(UpdateRound.chapter_id == getattr(actor, "chapter_id", None),
                          UpdateRound.chapter_id.is_not(None))
    return stmt


def _figures(round_id: int, key: InstrumentedAttribute[Any] | None) -> list[tuple[Any, dict[str, int]]]:
    r = RoundRecipient
    columns = (func.count(r.id), func.count(r.sent_at), func.count(r.opened_at), func.count(r.answered_at),
               func.count(r.answered_at).filter(r.changed.is_(True)))
    stmt = select(*([key] if key is not None else []), *columns).join(Member, Member.id == r.member_id) \
        .where(r.round_id == round_id)
    if key is not None:
        stmt = stmt.group_by(key).order_by(key)
    result = []
    for row in db.session.execute(stmt):
        *head, recipients, sent, opened, answered, changed = row
        result.append((head[0] if head else None, dict(zip(FIGURES, (recipients, sent, opened, answered, changed),
                                                           strict=True))))
    return result


def figures_of(round_ids: list[int]) -> dict[int, dict[str, int]]:
    """The totals of several rounds (a page of the list) in one grouped query."""
    r = RoundRecipient
    rows = db.session.execute(
        select(r.round_id, func.count(r.id), func.count(r.sent_at), func.count(r.opened_at),
               func.count(r.answered_at), func.count(r.answered_at).filter(r.changed.is_(True)))
        .where(r.round_id.in_(round_ids)).group_by(r.round_id)).all()
    found = {row[0]: dict(zip(FIGURES, row[1:], strict=True)) for row in rows}
    return {round_id: found.get(round_id, dict.fromkeys(FIGURES, 0)) for round_id in round_ids}


def round_figures(update_round: UpdateRound) -> dict[str, Any]:
    """recipients / sent / opened / answered / changed, in all and by country and by cohort
    (members without a cohort under ""): three grouped queries."""
    [(_none, totals)] = _figures(update_round.id, None)
    return {**totals,
            "by_country": {code or "": n for code, n in _figures(update_round.id, Member.country)},
            "by_cohort": {"" if fy is None else str(fy): n for fy, n in _figures(update_round.id, Member.cohort)}}


def suppressed_breakdown(figures: dict[str, Any], dim: str) -> dict[str, dict[str, int | str]]:
    """A breakdown of `round_figures` ("by_country" or "by_cohort") as pages and CSV show it:
    cells of fewer than five people suppressed, and, as each column adds up to the round's total
    shown beside it, other cells with them where a small one could be worked out
    (reports.suppress_cells)."""
    rows: dict[str, dict[str, int]] = figures[dim]
    shown: dict[str, dict[str, int | str]] = {key: {} for key in rows}
    for f in FIGURES:
        cells = suppress_cells({key: n[f] for key, n in rows.items()}, total_known=True)
        for key in rows:
            shown[key][f] = cells[key]
    return shown


def round_csv_rows(update_round: UpdateRound) -> list[list[Any]]:
    """The round's figures as CSV (dimension, key, then each figure), the breakdowns by country
    and cohort suppressed as on the page (`suppressed_breakdown`)."""
    figures = round_figures(update_round)
    rows: list[list[Any]] = [["dimension", "key", *FIGURES], ["total", "", *(figures[f] for f in FIGURES)]]
    for dim in ("by_country", "by_cohort"):
        rows += [[dim.removeprefix("by_"), key, *(n[f] for f in FIGURES)]
                 for key, n in suppressed_breakdown(figures, dim).items()]
    return rows
