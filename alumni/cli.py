"""The flask commands of INTERFACES.md. Each one calls services and commits once."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from alumni.errors import ServiceError
from alumni.extensions import db


def _fail(error: ServiceError) -> None:
    db.session.rollback()
    raise click.ClickException(error.message)


chapters_cli = AppGroup("chapters", help="Alumni chapters.")
users_cli = AppGroup("users", help="Accounts.")
tokens_cli = AppGroup("tokens", help="API tokens.")
demo_cli = AppGroup("demo", help="Demo data from the seed documents.")
members_cli = AppGroup("members", help="Members: CSV import and export.")


@chapters_cli.command("create")
@click.argument("code")
@click.option("--name", required=True, help="Display name, e.g. 'India chapter'.")
@click.option("--countries", default="", help="ISO 3166-1 alpha-2 codes, comma-separated: IN,LK")
def chapters_create(code: str, name: str, countries: str) -> None:
    """Create a chapter; running it again with the same code changes nothing."""
    from alumni.services.chapters import create_chapter

    try:
        chapter, created = create_chapter(code, name, countries.split(","))
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{'created' if created else 'unchanged'} chapter {chapter.code}")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["member", "organizer", "staff"]), required=True)
@click.option("--chapter", default=None, help="Chapter code (required for organizers).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email: str, role: str, chapter: str | None, password_stdin: bool) -> None:
    """Create an account; a member account links to the member with the same email."""
    from alumni.services.accounts import create_user

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        user = create_user(email, role, chapter=chapter, password=password)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    linked = f", member {user.member_id}" if user.member_id else ""
    click.echo(f"created {user.role.value} account {user.email} (user {user.id}{linked})")


@tokens_cli.command("create")
@click.argument("email")
def tokens_create(email: str) -> None:
    """Print a new API token for the account, alone on the last line."""
    from alumni.services.accounts import find_user_by_email, issue_token

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    token = issue_token(user)
    db.session.commit()
    click.echo(f"API token for {user.email} (shown once; store it now):")
    click.echo(token)


@demo_cli.command("load")
@click.option("--members", "count", default=None, type=click.IntRange(min=0),
              help="Synthetic alumni to add (default: DEMO_MEMBERS, 300).")
def demo_load(count: int | None) -> None:
    """Demo data from the seeds' facts plus N synthetic members; running it twice adds nothing."""
    from flask import current_app

    from alumni.services.demo import load_demo

    if count is None:
        count = current_app.config["DEMO_MEMBERS"]
    report = load_demo(count)
    db.session.commit()
    click.echo(", ".join(f"{key} {value}" for key, value in report.items()))


mail_cli = AppGroup("mail", help="The outbox.")


@mail_cli.command("deliver")
@click.option("--once", is_flag=True, help="Drain what is due and exit (default: keep running).")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 1000))
@click.option("--poll", default=5.0, show_default=True, help="Seconds between looks at the outbox.")
def mail_deliver(once: bool, batch_size: int, poll: float) -> None:
    """Send what the outbox holds; several workers may run at once."""
    import time

    from alumni.services.outbox import deliver_due, due_count

    while True:
        due = due_count()
        if due:
            with click.progressbar(length=due, label="Delivering", file=sys.stderr) as bar:
                report = deliver_due(batch_size=batch_size, on_progress=bar.update)
            click.echo(f"sent {report.sent}, failed {report.failed}, deferred {report.deferred}")
            for error in report.errors[:20]:
                click.echo(f"  {error}", err=True)
        elif once:
            click.echo("sent 0, failed 0, deferred 0")
        db.session.remove()
        if once:
            return
        time.sleep(poll)


@members_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
def members_import(path: str, dry_run: bool) -> None:
    """Import members with their participations from a CSV file (UTF-8, with or without BOM).
    Prints the rejected rows, then `created N, updated N, unchanged N, rejected N`."""
    from alumni.services.imports import import_members, read_rows

    end_batch = db.session.rollback if dry_run else db.session.commit
    try:
        with open(path, encoding="utf-8-sig", newline="") as stream:
            rows = list(read_rows(stream))
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path} is not UTF-8 text (byte {exc.start + 1}).") from None
    except ServiceError as error:
        _fail(error)
    try:
        with click.progressbar(length=len(rows), label="Importing", file=sys.stderr) as bar:
            report = import_members(rows, None, end_batch=end_batch, progress=bar.update)
    except BaseException:
        # Ctrl-C or a crash: the batch in progress is undone; the batches before it stay.
        db.session.rollback()
        raise
    for line, reason in report.rejected:
        click.echo(f"line {line}: {reason}")
    if dry_run:
        click.echo("dry run: nothing was written")
    click.echo(report.summary())


@members_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def members_export(path: str) -> None:
    """Write members and their participations in the import's columns."""
    from alumni.services.imports import write_export

    with open(path, "w", encoding="utf-8", newline="") as stream:
        count = write_export(stream)
    click.echo(f"exported {count} rows to {path}", err=True)


imports_cli = AppGroup("imports", help="Member imports uploaded on the staff page (background jobs).")


@imports_cli.command("run")
def imports_run() -> None:
    """Run the pending import jobs once, one after another (the scheduler does this as it goes);
    one line per job, then `ran N import jobs`."""
    from alumni.models import ImportStatus
    from alumni.services.import_jobs import run_pending_imports

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
    from alumni.services.notices import queue_reminders

    queued, skipped = queue_reminders()
    db.session.commit()
    click.echo(f"queued {queued}, skipped {skipped}")


def register_cli(app: Flask) -> None:
    for group in (chapters_cli, users_cli, tokens_cli, demo_cli, mail_cli, members_cli, imports_cli):
        app.cli.add_command(group)
    app.cli.add_command(events_cli)
