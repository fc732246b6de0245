"""The flask commands of INTERFACES.md. Each one calls services and commits once."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from alumni.errors import ServiceError
from alumni.extensions import db
from alumni.inbound_smtp import make_listener
from alumni.models import ApiToken, ImportStatus, Member
from alumni.services import mail_worker, workers
from alumni.services.account_mail import queue_account_mail
from alumni.services.accounts import create_user, find_user_by_email, list_users, set_password
from alumni.services.chapters import chapter_rows, create_chapter
from alumni.services.demo import demo_login_lines, load_demo
from alumni.services.duplicates import DEFAULT_MIN_SCORE, find_duplicates, pairs_of_new_members
from alumni.services.import_jobs import run_pending_imports
from alumni.services.imports import import_members, problem_text, read_upload, write_export
from alumni.services.inbound import receive_message
from alumni.services.membership import MailKind, Outcome
from alumni.services.notices import queue_reminders
from alumni.services.preflight import has_errors, run_checks
from alumni.services.rounds import remind_rounds
from alumni.services.schedule import TASKS, run_due
from alumni.services.tokens import DEFAULT_TOKEN_DAYS, issue_token, list_tokens, revoke_all_tokens, revoke_token
from alumni.services.workers import process_name


def _fail(error: ServiceError) -> None:
    db.session.rollback()
    raise click.ClickException(error.message)


@contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """SIGTERM (what honcho, systemd and Docker send to stop a process) ends a loop as Ctrl-C
    does: through its `finally`, so a worker removes its heartbeat on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum, frame):
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _beat(kind: str, name: str) -> None:
    """A heartbeat, committed; a database that does not answer is logged, not fatal (the loop
    goes on, and the missing beats show in `check` and /healthz)."""
    try:
        workers.beat(kind, name)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        click.echo(f"heartbeat failed: {type(exc).__name__}: {exc}"[:300], err=True)


def _stop_beating(name: str) -> None:
    try:
        db.session.rollback()
        workers.stop(name)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        click.echo(f"could not remove the heartbeat: {type(exc).__name__}"[:300], err=True)


chapters_cli = AppGroup("chapters", help="Alumni chapters.")
users_cli = AppGroup("users", help="Accounts.")
tokens_cli = AppGroup("tokens", help="API tokens.")
demo_cli = AppGroup("demo", help="Demo data from the seed documents.")
members_cli = AppGroup("members", help="Members: CSV import and export.")


@chapters_cli.command("create")
@click.argument("code")
@click.option("--name", required=True, help="Display name, e.g. 'India chapter'.")
@click.option("--countries", default="", help="ISO 3166-1 alpha-2 codes, comma-separated: IN,LK")
@click.option("--name-in", "names", multiple=True, metavar="LANG=NAME",
              help="The name in another language, e.g. --name-in ja=インド支部 (repeatable).")
def chapters_create(code: str, name: str, countries: str, names: tuple[str, ...]) -> None:
    """Create a chapter; running it again with the same code changes nothing."""
    other = dict(pair.partition("=")[::2] for pair in names)
    try:
        chapter, created = create_chapter(code, name, countries.split(","), names=other)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{'created' if created else 'unchanged'} chapter {chapter.code}")


@chapters_cli.command("list")
def chapters_list() -> None:
    """The chapters: code, name, countries, organizers."""
    rows = chapter_rows()
    for code, name, countries, organizers in rows:
        click.echo(f"{code}\t{name}\t{','.join(countries) or '-'}\torganizers {organizers}")
    if not rows:
        click.echo("no chapters yet: flask --app wsgi chapters create CODE --name NAME", err=True)


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["member", "organizer", "staff"]), required=True)
@click.option("--chapter", default=None, help="Chapter code (required for organizers).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email: str, role: str, chapter: str | None, password_stdin: bool) -> None:
    """Create an account; a member account links to the member with the same email. Without
    --password-stdin the person is mailed a link to choose their password (through the outbox)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        user = create_user(email, role, chapter=chapter, password=password)
    except ServiceError as error:
        _fail(error)
    mail_id = queue_account_mail(Outcome(user, MailKind.claim)) if password is None else None
    db.session.commit()
    linked = f", member {user.member_id}" if user.member_id else ""
    click.echo(f"created {user.role.value} account {user.email} (user {user.id}{linked})")
    if password is not None:
        return
    if mail_id is None:
        click.echo(f"no password, and no mail could be queued ({user.email} is held after bounces): "
                   f"give one with `flask --app wsgi users set-password {user.email}`")
        return
    days = current_app.config["CLAIM_LINK_MAX_AGE"] // 86400
    click.echo(f"no password given: queued a mail to {user.email} with a link to choose one (valid {days} "
               f"days; outbox message {mail_id}); the mail worker (`flask --app wsgi mail deliver`) sends it")


@users_cli.command("list")
@click.option("--role", type=click.Choice(["member", "organizer", "staff"]), default=None)
def users_list(role: str | None) -> None:
    """The accounts: email, role, chapter, whether a password is set and the address confirmed."""
    users = list_users(role)
    for user in users:
        chapter = user.chapter.code if user.chapter is not None else "-"
        state = "password" if user.password_hash else "no password"
        confirmed = "confirmed" if user.email_verified_at else "unconfirmed"
        click.echo(f"{user.id}\t{user.email}\t{user.role.value}\t{chapter}\t{state}\t{confirmed}")
    click.echo(f"{len(users)} accounts", err=True)


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_set_password(email: str, password_stdin: bool) -> None:
    """Set an account's password (asked twice at the prompt, or read from standard input); every
    session of the account ends."""
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        set_password(user, password)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"password set for {user.email}")


def _account(email: str):
    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    return user


@tokens_cli.command("create")
@click.argument("email")
@click.option("--days", default=None, type=int, help="How long the token works (default 90 days).")
def tokens_create(email: str, days: int | None) -> None:
    """Print a new API token for the account, alone on the last line."""
    user = _account(email)
    try:
        token = issue_token(user, DEFAULT_TOKEN_DAYS if days is None else days)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"API token for {user.email} (shown once; store it now):")
    click.echo(token)


def _moment(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%MZ") if value is not None else "never"


@tokens_cli.command("list")
@click.argument("email")
def tokens_list(email: str) -> None:
    """The account's tokens, newest first: id, created, last used, expires (UTC), state."""
    click.echo("id\tcreated\tlast_used\texpires\tstate")
    for token in list_tokens(_account(email)):
        click.echo(f"{token.id}\t{_moment(token.created_at)}\t{_moment(token.last_used_at)}\t"
                   f"{_moment(token.expires_at)}\t{token.state.value}")


@tokens_cli.command("revoke")
@click.argument("token_id", required=False, type=int)
@click.option("--all", "all_of", metavar="EMAIL", default=None, help="Revoke every token of this account.")
def tokens_revoke(token_id: int | None, all_of: str | None) -> None:
    """Revoke one token (by the id `tokens list` shows) or, with --all EMAIL, every token of an
    account. A revoked token answers 401."""
    if (token_id is None) == (all_of is None):
        raise click.UsageError("Give a token id, or --all EMAIL (not both).")
    if all_of is not None:
        count = revoke_all_tokens(_account(all_of))
        db.session.commit()
        click.echo(f"revoked {count} tokens of {all_of}")
        return
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"There is no token {token_id}.")
    changed = revoke_token(token)
    db.session.commit()
    click.echo(f"revoked token {token_id}" if changed else f"token {token_id} was already revoked")


@demo_cli.command("load")
@click.option("--members", "count", default=None, type=click.IntRange(min=0),
              help="Synthetic alumni to add (default: DEMO_MEMBERS, 300).")
def demo_load(count: int | None) -> None:
    """Demo data from the seeds' facts plus N synthetic members; running it twice adds nothing."""
    if count is None:
        count = current_app.config["DEMO_MEMBERS"]
    report = load_demo(count, accounts=current_app.config["DEMO_ACCOUNTS"])
    db.session.commit()
    click.echo(", ".join(f"{key} {value}" for key, value in report.items()))


@demo_cli.command("logins")
def demo_logins() -> None:
    """Print `demo login: EMAIL PASSWORD (ROLE)` for each demo account (development only)."""
    if not current_app.config["DEMO_ACCOUNTS"]:
        click.echo("no demo accounts outside development", err=True)
        return
    for line in demo_login_lines():
        click.echo(line)


mail_cli = AppGroup("mail", help="The outbox, and calendar replies coming in.")


@mail_cli.command("deliver")
@click.option("--once", is_flag=True, help="Drain what is due and exit (default: keep running).")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 1000))
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks at the outbox.")
def mail_deliver(once: bool, batch_size: int, poll: float) -> None:
    """Send what the outbox holds; several workers may run at once. Keeps going when the
    database goes away (retries with a back-off); SIGTERM or Ctrl-C stop it after its batch."""
    stop = threading.Event()

    def stop_after_batch(_signum, _frame):
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
        previous = {sig: signal.signal(sig, stop_after_batch) for sig in (signal.SIGTERM, signal.SIGINT)}

    def echo(report) -> None:
        if once or report.sent or report.failed or report.deferred:
            click.echo(f"sent {report.sent}, failed {report.failed}, deferred {report.deferred}")
        for error in report.errors[:20]:
            click.echo(f"  {error}", err=True)

    try:
        ok = mail_worker.run(workers.process_name("mail"), poll=poll, batch_size=batch_size, once=once,
                             should_stop=stop.is_set, wait=stop.wait, on_report=echo)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if once and not ok:
        raise click.ClickException("the outbox could not be read; see the log")


@mail_cli.command("receive")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def mail_receive(path: str | None) -> None:
    """Apply one inbound message from FILE or standard input (an MTA's pipe delivery): a calendar
    reply becomes the member's RSVP; anything else is logged and dropped (exit status 0, so the
    MTA bounces nothing to a forger). A fault on our side exits non-zero: the MTA retries."""
    if path in (None, "-"):
        raw = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as stream:
            raw = stream.read()
    result = receive_message(raw)
    db.session.commit()
    click.echo(str(result))


@mail_cli.command("listen")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=2525, show_default=True, type=click.IntRange(1, 65535))
@click.option("--lmtp", is_flag=True, help="Speak LMTP instead of SMTP.")
def mail_listen(host: str, port: int, lmtp: bool) -> None:
    """Receive calendar replies over SMTP (or LMTP) from the MTA; runs until stopped."""
    if not current_app.config.get("MAIL_REPLY_ADDRESS"):
        raise click.ClickException("Set MAIL_REPLY_ADDRESS (e.g. rsvp@alumni.example) first.")
    listener = make_listener(current_app._get_current_object(), host, port, lmtp=lmtp)  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stopped.set())
    listener.start()
    click.echo(f"listening for calendar replies on {host}:{port} ({'LMTP' if lmtp else 'SMTP'})")
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        listener.stop()


@members_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
def members_import(path: str, dry_run: bool) -> None:
    """Import members with their participations from a CSV file (UTF-8, with or without BOM) or
    an .xlsx workbook (its first sheet). Prints every problem of the rejected rows, one a line
    (`line N, column C, value V: reason`), then `created N, updated N, unchanged N, rejected N`."""
    end_batch = db.session.rollback if dry_run else db.session.commit
    last_id = db.session.scalar(select(func.max(Member.id))) or 0
    try:
        with open(path, "rb") as stream:
            rows = list(read_upload(stream.read(), path))
    except ServiceError as error:
        _fail(error)
    try:
        with click.progressbar(length=len(rows), label="Importing", file=sys.stderr) as bar:
            report = import_members(rows, end_batch=end_batch, progress=bar.update)
    except BaseException:
        # Ctrl-C or a crash: the batch in progress is undone; the batches before it stay.
        db.session.rollback()
        raise
    if report.created and not dry_run:
        pairs = pairs_of_new_members(last_id)
        click.echo("possible duplicates: " + ("not checked here (many new members): run `members duplicates`"
                                              if pairs is None else f"{len(pairs)} (`members duplicates` lists them)"))
    for problem in report.rejected:
        click.echo(problem_text(problem))
    if dry_run:
        click.echo("dry run: nothing was written")
    click.echo(report.summary())


@members_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def members_export(path: str) -> None:
    """Write members and their participations in the import's columns."""
    with open(path, "w", encoding="utf-8", newline="") as stream:
        count = write_export(stream)
    click.echo(f"exported {count} rows to {path}", err=True)


@members_cli.command("duplicates")
@click.option("--min-score", type=click.FloatRange(0, 1), default=DEFAULT_MIN_SCORE, show_default=True,
              help="List pairs scoring at least this (0–1).")
def members_duplicates(min_score: float) -> None:
    """Pairs of members that look like one person, best first: ids, names, score and reasons."""
    pairs = find_duplicates(min_score)
    ids = sorted({i for c in pairs for i in c.member_ids})
    shown = {}
    for start in range(0, len(ids), 1000):
        shown.update({m.id: m.display_name for m in db.session.scalars(
            select(Member).where(Member.id.in_(ids[start:start + 1000])))})
    for c in pairs:
        a, b = c.member_ids
        click.echo(f"{a}\t{b}\t{c.score:.3f}\t{shown.get(a, '')}\t{shown.get(b, '')}\t{','.join(c.reasons)}")
    click.echo(f"{len(pairs)} pairs", err=True)


imports_cli = AppGroup("imports", help="Member imports uploaded on the staff page (background jobs).")


@imports_cli.command("run")
def imports_run() -> None:
    """Run the pending import jobs once, one after another (the scheduler does this as it goes);
    one line per job, then `ran N import jobs`."""
    count = 0
    while (job := run_pending_imports()) is not None:
        count += 1
        detail = job.summary() if job.status == ImportStatus.done else job.error
        click.echo(f"import {job.id} ({job.filename}{', dry run' if job.dry_run else ''}): "
                   f"{job.status.value}: {detail}")
    click.echo(f"ran {count} import jobs")


events_cli = AppGroup("events", help="Events.")


@events_cli.command("remind")
def events_remind() -> None:
    """Queue the reminders that are due (7 days and 1 day before, to yes-registrations); each
    reminder is queued once however often this runs (e.g. hourly from cron)."""
    queued, skipped = queue_reminders()
    db.session.commit()
    click.echo(f"queued {queued}, skipped {skipped}")


rounds_cli = AppGroup("rounds", help="Update rounds: members confirm their records.")


@rounds_cli.command("remind")
def rounds_remind() -> None:
    """Queue the one reminder to members who have not answered a round after a week (never to
    the unsubscribed); each member is reminded once however often this runs."""
    queued, skipped = remind_rounds()
    db.session.commit()
    click.echo(f"queued {queued}, skipped {skipped}")


schedule_cli = AppGroup("schedule", help="Periodic work (alumni/services/schedule.py).")


@schedule_cli.command("run")
@click.option("--once", is_flag=True, help="Run every task once and exit (default: keep running).")
@click.option("--tick", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds between looks at what is due.")
def schedule_run(once: bool, tick: float) -> None:
    """Run the periodic tasks when they are due (e.g. `events remind` every 5 minutes), with a
    heartbeat each loop; safe beside another scheduler (the tasks are idempotent)."""
    name = process_name("scheduler")
    last_run: dict[str, datetime] = {}
    with _exit_on_sigterm():
        try:
            while True:
                _beat("scheduler", name)
                try:
                    outcomes = run_due(last_run, keepalive=lambda: _beat("scheduler", name))
                except SQLAlchemyError as exc:  # the database is away: try again at the next tick
                    db.session.rollback()
                    click.echo(f"scheduler: {type(exc).__name__}: {exc}"[:300], err=True)
                    outcomes = []
                for outcome in outcomes:
                    click.echo(f"{outcome.task}: {outcome.summary}"[:300] if outcome.ok
                               else f"{outcome.task} failed: {outcome.summary}"[:300], err=not outcome.ok)
                db.session.remove()
                if once:
                    return
                time.sleep(tick)
        finally:
            _stop_beating(name)


@schedule_cli.command("list")
def schedule_list() -> None:
    """The periodic tasks and how often they run."""
    for task in TASKS:
        click.echo(f"{task.name}\tevery {int(task.every.total_seconds())} s")


@click.command("check")
@click.option("--timeout", default=5.0, show_default=True, type=click.FloatRange(0.1, 60),
              help="Seconds to wait for the mail server and the rate-limit storage.")
@with_appcontext
def check(timeout: float) -> None:
    """The operator's pre-flight for this environment: one line per finding (ok, warning,
    error); the exit status is 1 if there is any error."""
    findings = run_checks(current_app.config, os.environ, current_app.extensions["migrate"].directory,
                          timeout=timeout)
    for finding in findings:
        click.echo(str(finding))
    if has_errors(findings):
        raise SystemExit(1)


def register_cli(app: Flask) -> None:
    for group in (chapters_cli, users_cli, tokens_cli, demo_cli, mail_cli, members_cli, schedule_cli, imports_cli,
                  rounds_cli):
        app.cli.add_command(group)
    app.cli.add_command(events_cli)
    app.cli.add_command(check)
