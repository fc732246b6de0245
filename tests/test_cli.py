"""The flask commands of INTERFACES.md."""
from datetime import date

from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import ApiToken, Chapter, Event, Institution, Member, Participation, User
from tests.factories import deliver_mail, make_member


def test_chapters_create_is_idempotent(runner):
    r = runner.invoke(args=["chapters", "create", "IN", "--name", "India chapter", "--countries", "IN,LK"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["chapters", "create", "IN", "--name", "Other name"])
    assert r.exit_code == 0 and "unchanged" in r.output
    chapter = db.session.scalar(select(Chapter))
    assert (chapter.name, chapter.countries) == ("India chapter", ["IN", "LK"])


def test_chapters_create_rejects_bad_country(runner):
    r = runner.invoke(args=["chapters", "create", "XX", "--name", "Nowhere", "--countries", "QQ"])
    assert r.exit_code != 0 and "QQ" in r.output
    assert db.session.scalar(select(func.count(Chapter.id))) == 0


def test_users_create_links_the_member_with_the_same_email(runner):
    member = make_member(email="hanako@example.jp")
    r = runner.invoke(args=["users", "create", "Hanako@example.jp", "--role", "member", "--password-stdin"],
                      input="a long enough passphrase\n")
    assert r.exit_code == 0, r.output
    user = db.session.scalar(select(User))
    assert user.member_id == member.id and user.password_hash.startswith("$argon2id$")


def test_users_create_makes_a_member_when_there_is_none(runner):
    r = runner.invoke(args=["users", "create", "new@example.org", "--role", "member"])
    assert r.exit_code == 0, r.output
    user = db.session.scalar(select(User))
    assert user.member is not None and user.member.email == "new@example.org"


def test_organizer_needs_an_existing_chapter(runner):
    r = runner.invoke(args=["users", "create", "org@example.org", "--role", "organizer"])
    assert r.exit_code != 0 and "chapter" in r.output
    r = runner.invoke(args=["users", "create", "org@example.org", "--role", "organizer", "--chapter", "NOPE"])
    assert r.exit_code != 0 and "NOPE" in r.output
    runner.invoke(args=["chapters", "create", "IN", "--name", "India chapter"])
    r = runner.invoke(args=["users", "create", "org@example.org", "--role", "organizer", "--chapter", "in"])
    assert r.exit_code == 0, r.output
    assert db.session.scalar(select(User)).chapter.code == "IN"


def test_tokens_create_prints_a_working_token_on_the_last_line(runner, api):
    runner.invoke(args=["users", "create", "staff@example.org", "--role", "staff"])
    r = runner.invoke(args=["tokens", "create", "staff@example.org"])
    assert r.exit_code == 0, r.output
    token = r.output.strip().splitlines()[-1]
    assert api.get("/members", token).status_code == 200
    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash != token and token not in stored.token_hash


def test_tokens_create_for_unknown_account_fails(runner):
    r = runner.invoke(args=["tokens", "create", "ghost@example.org"])
    assert r.exit_code != 0 and "ghost@example.org" in r.output


def test_demo_load_is_deterministic_and_idempotent(runner):
    r = runner.invoke(args=["demo", "load", "--members", "40"])
    assert r.exit_code == 0, r.output
    synthetic = Member.email.like("demo%@alumni.example")  # the forums' delegates come besides (issue 22)
    first = [(m.email, m.given_name, m.country) for m in
             db.session.scalars(select(Member).where(synthetic).order_by(Member.email))]
    participations = db.session.scalar(select(func.count(Participation.id)))
    assert len(first) == 40 and participations >= 40
    r = runner.invoke(args=["demo", "load", "--members", "40"])
    assert "members added 0" in r.output and "events added 0" in r.output and "forum delegates added 0" in r.output
    assert db.session.scalar(select(func.count(Participation.id))) == participations
    assert db.session.scalar(select(func.count(Institution.id)).where(~Institution.name.like("Demo %"))) == 27
    # The seeds' events, once each, in their own zones; the 7th India reunion is still to come.
    assert db.session.scalar(select(func.count(Event.id))) == 13
    reunion = db.session.scalar(select(Event).where(Event.slug == "in-reunion-7"))
    assert (reunion.timezone, reunion.starts_at.hour, reunion.status.value) == ("Asia/Kolkata", 18, "published")
    forum = db.session.scalar(select(Event).where(Event.slug == "auf-1"))
    assert forum.timezone == "Asia/Hong_Kong" and forum.side_quotas == {"JP": 10, "CN": 9, "ASEAN": 8}
    # Several scripts among the names, as the club's members write them.
    natives = {m.native_name for m in db.session.scalars(select(Member))}
    assert any("\u0900" <= ch <= "\u097f" for n in natives for ch in n) or any(
        "\u4e00" <= ch <= "\u9fff" for n in natives for ch in n)
    # A larger N adds only the new ones, identical to a fresh load of the same N.
    runner.invoke(args=["demo", "load", "--members", "45"])
    assert db.session.scalar(select(func.count(Member.id)).where(synthetic)) == 45
    again = [(m.email, m.given_name, m.country) for m in
             db.session.scalars(select(Member).where(synthetic, Member.email <= "demo00040@alumni.example")
                                .order_by(Member.email))]
    assert again == first


def test_mail_deliver_once_drains_the_outbox(runner, smtp):
    from alumni.services.outbox import queue_many

    queue_many([{"dedup_key": f"k{i}", "kind": "test", "purpose": "account", "recipient": f"a{i}@example.org",
                 "subject": "s", "text_body": "b"} for i in range(5)])
    db.session.commit()
    r = runner.invoke(args=["mail", "deliver", "--once"])
    assert r.exit_code == 0, r.output
    assert "sent 5, failed 0, deferred 0" in r.output
    assert len(smtp.messages) == 5


def test_members_import_prints_rejected_lines_then_the_summary_and_export_round_trips(runner, tmp_path):
    from alumni.services.imports import COLUMNS

    src = tmp_path / "members.csv"
    src.write_bytes(("\ufeff" + ",".join(COLUMNS) + "\n"
                     "ana@example.org,Ana,Silva,,BR,es,Biology,SSP-A,2019,inbound,2019-07-01,2019-07-07,"
                     "Tohoku University,JP,USP,BR\n"
                     "bad@example.org,Bad,Row,,BR,en,,SSP-A,2020,inbound,2019-07-01,2019-07-07,,,,\n"
                     ).encode("utf-8"))
    r = runner.invoke(args=["members", "import", str(src), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert db.session.scalar(select(func.count(Member.id))) == 0
    r = runner.invoke(args=["members", "import", str(src)])
    lines = r.output.strip().splitlines()
    assert lines[-1] == "created 1, updated 0, unchanged 0, rejected 1"
    assert lines[-2].startswith("line 3, column fiscal_year, value '2020': ")
    out = tmp_path / "export.csv"
    r = runner.invoke(args=["members", "export", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["members", "import", str(out)])
    assert r.output.strip().splitlines()[-1] == "created 0, updated 0, unchanged 1, rejected 0"
    assert db.session.scalar(select(func.count(Participation.id))) == 1


def test_members_import_refuses_a_file_without_the_columns(runner, tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("email,name\na@example.org,A\n", encoding="utf-8")
    r = runner.invoke(args=["members", "import", str(src)])
    assert r.exit_code != 0 and "programme" in r.output


# --- what you have: chapters list, users list, set-password; users create without a password ---


def test_chapters_list_shows_codes_names_countries_and_organizers(runner):
    runner.invoke(args=["chapters", "create", "IN", "--name", "India chapter", "--countries", "IN,LK"])
    runner.invoke(args=["chapters", "create", "CN", "--name", "China chapter"])
    runner.invoke(args=["users", "create", "org@example.org", "--role", "organizer", "--chapter", "IN",
                        "--password-stdin"], input="a long enough passphrase\n")
    r = runner.invoke(args=["chapters", "list"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == ["CN\tChina chapter\t-\torganizers 0",
                                     "IN\tIndia chapter\tIN,LK\torganizers 1"]


def test_users_list_filters_by_role(runner):
    runner.invoke(args=["chapters", "create", "IN", "--name", "India chapter"])
    runner.invoke(args=["users", "create", "staff@example.org", "--role", "staff", "--password-stdin"],
                  input="a long enough passphrase\n")
    runner.invoke(args=["users", "create", "org@example.org", "--role", "organizer", "--chapter", "IN"])
    r = runner.invoke(args=["users", "list"])
    assert r.exit_code == 0, r.output
    lines = [line.split("\t") for line in r.stdout.splitlines()]
    assert [(line[1], line[2], line[3], line[4]) for line in lines] == [
        ("org@example.org", "organizer", "IN", "no password"), ("staff@example.org", "staff", "-", "password")]
    r = runner.invoke(args=["users", "list", "--role", "staff"])
    assert [line.split("\t")[1] for line in r.stdout.splitlines()] == ["staff@example.org"]
    r = runner.invoke(args=["users", "list", "--role", "pope"])
    assert r.exit_code != 0 and "pope" in r.output


def test_users_set_password_from_stdin_and_from_the_prompt(runner):
    from alumni.services.accounts import authenticate

    runner.invoke(args=["users", "create", "staff@example.org", "--role", "staff", "--password-stdin"],
                  input="a long enough passphrase\n")
    r = runner.invoke(args=["users", "set-password", "staff@example.org", "--password-stdin"],
                      input="another long passphrase\n")
    assert r.exit_code == 0 and "password set for staff@example.org" in r.output
    assert authenticate("staff@example.org", "another long passphrase") is not None
    assert authenticate("staff@example.org", "a long enough passphrase") is None
    r = runner.invoke(args=["users", "set-password", "staff@example.org"],
                      input="a third passphrase!\na third passphrase!\n")
    assert r.exit_code == 0, r.output
    assert authenticate("staff@example.org", "a third passphrase!") is not None
    r = runner.invoke(args=["users", "set-password", "staff@example.org", "--password-stdin"], input="short\n")
    assert r.exit_code != 0 and "at least 10 characters" in r.output
    assert authenticate("staff@example.org", "a third passphrase!") is not None
    r = runner.invoke(args=["users", "set-password", "ghost@example.org", "--password-stdin"], input="x" * 12)
    assert r.exit_code != 0 and "ghost@example.org" in r.output


def test_users_create_without_a_password_mails_a_link_to_choose_one(runner, client, mailbox):
    from alumni.models import OutgoingMail

    r = runner.invoke(args=["users", "create", "new@example.org", "--role", "staff"])
    assert r.exit_code == 0, r.output
    assert "queued a mail to new@example.org with a link to choose one" in r.output
    deliver_mail()
    row = db.session.scalar(select(OutgoingMail))
    assert (row.recipient, row.kind, row.status.value) == ("new@example.org", "account-claim", "sent")
    (received,) = mailbox.to("new@example.org")
    link = next(word for word in received.text().split() if "/claim/" in word)
    assert link.startswith("http://alumni.test/claim/")
    r = client.post(link.removeprefix("http://alumni.test"),
                    data={"password": "my own passphrase", "confirm": "my own passphrase"})
    assert r.status_code in (302, 303), r.data[:500]
    from alumni.services.accounts import authenticate

    assert authenticate("new@example.org", "my own passphrase") is not None


def test_users_create_with_a_password_sends_nothing(runner):
    from alumni.models import OutgoingMail

    r = runner.invoke(args=["users", "create", "a@example.org", "--role", "staff", "--password-stdin"],
                      input="a long enough passphrase\n")
    assert r.exit_code == 0 and "mail" not in r.output
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0


# --- demo accounts: development only ---


def test_demo_load_makes_no_accounts_outside_development(runner, app):
    from alumni.config import config_for

    assert config_for("production").DEMO_ACCOUNTS is False
    assert config_for("testing").DEMO_ACCOUNTS is False
    assert config_for("development").DEMO_ACCOUNTS is True
    assert app.config["DEMO_ACCOUNTS"] is False
    r = runner.invoke(args=["demo", "load", "--members", "0"])
    assert r.exit_code == 0, r.output
    assert db.session.scalar(select(func.count(User.id))) == 0
    r = runner.invoke(args=["demo", "logins"])
    assert r.exit_code == 0 and "demo login:" not in r.output


def test_demo_load_in_development_makes_one_account_per_role_that_logs_in(runner, app, client, monkeypatch):
    import re

    monkeypatch.setitem(app.config, "DEMO_ACCOUNTS", True)
    r = runner.invoke(args=["demo", "load", "--members", "0"])
    assert r.exit_code == 0 and "accounts added 3" in r.output
    r = runner.invoke(args=["demo", "load", "--members", "0"])
    assert "accounts added 0" in r.output
    r = runner.invoke(args=["demo", "logins"])
    lines = r.output.splitlines()
    assert len(lines) == 3
    found = [re.fullmatch(r"demo login: (\S+@\S+) (\S+) \((member|organizer|staff)\)", line) for line in lines]
    assert all(found), lines
    assert [m.group(3) for m in found] == ["member", "organizer", "staff"]
    for m in found:
        r = client.post("/login", data={"email": m.group(1), "password": m.group(2)})
        assert r.status_code in (302, 303), (m.group(0), r.data[:300])
        client.post("/logout")
    organizer = db.session.scalar(select(User).where(User.email == found[1].group(1)))
    assert organizer.chapter.code == "IN"
    member = db.session.scalar(select(User).where(User.email == found[0].group(1))).member
    assert member.country == "IN" and len(member.participations) == 1


def test_demo_logins_leaves_out_an_account_whose_password_changed(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_ACCOUNTS", True)
    runner.invoke(args=["demo", "load", "--members", "0"])
    runner.invoke(args=["users", "set-password", "staff@alumni.example", "--password-stdin"],
                  input="not the demo one\n")
    r = runner.invoke(args=["demo", "logins"])
    assert [line.split()[2] for line in r.output.splitlines()] == ["member@alumni.example", "organizer@alumni.example"]


# --- the scheduler and the mail worker report that they are alive ---


def test_schedule_run_once_runs_the_reminders_and_leaves_no_heartbeat(runner):
    from datetime import UTC, datetime, timedelta

    from alumni.models import OutgoingMail, WorkerHeartbeat
    from alumni.services.registrations import respond
    from tests.factories import make_event

    local = (datetime.now(UTC) + timedelta(hours=20)).replace(tzinfo=None, microsecond=0, second=0)
    event = make_event(starts_at=local, ends_at=local + timedelta(hours=2), timezone="UTC")
    respond(event, make_member(email="yes@example.org"), "yes")
    db.session.commit()
    r = runner.invoke(args=["schedule", "run", "--once"])
    assert r.exit_code == 0, r.output
    assert "events remind: queued 1, skipped 0" in r.output
    assert db.session.scalar(select(func.count(OutgoingMail.id)).where(OutgoingMail.kind == "reminder")) == 1
    r = runner.invoke(args=["schedule", "run", "--once"])  # a second scheduler: nothing twice
    assert "events remind: queued 0, skipped 1" in r.output
    assert db.session.scalar(select(func.count(WorkerHeartbeat.name))) == 0  # a clean exit removes its row


def test_schedule_list_names_every_task(runner):
    from alumni.services.schedule import TASKS

    r = runner.invoke(args=["schedule", "list"])
    assert r.exit_code == 0
    assert [line.split("\t")[0] for line in r.output.splitlines()] == [task.name for task in TASKS]


def _stop_with_sigterm_after_the_first_loop(monkeypatch, kind):
    """Replaces time.sleep: checks the process's heartbeat is there, then stops it the way honcho
    and systemd do (SIGTERM)."""
    import os
    import signal
    import time

    from alumni.services import workers

    seen = []

    def sleep(seconds):
        seen.append(workers.is_alive(kind))
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep.__wrapped__(0.5)  # the signal arrives; never returns normally

    sleep.__wrapped__ = time.sleep
    monkeypatch.setattr(time, "sleep", sleep)
    return seen


def test_the_mail_worker_beats_while_it_runs_and_removes_its_row_on_sigterm(runner, monkeypatch):
    import os
    import signal

    from alumni.models import WorkerHeartbeat
    from alumni.services import mail_worker, workers

    before = signal.getsignal(signal.SIGTERM)
    seen: list[bool] = []
    real = mail_worker.deliver_once

    def deliver_then_sigterm(*args, **kwargs):
        # After its first look at the outbox, the worker is stopped as honcho and systemd do.
        seen.append(workers.is_alive("mail"))
        report = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return report

    monkeypatch.setattr(mail_worker, "deliver_once", deliver_then_sigterm)
    r = runner.invoke(args=["mail", "deliver", "--poll", "30"])
    assert r.exit_code == 0, r.output
    assert seen == [True]
    assert db.session.scalar(select(func.count(WorkerHeartbeat.name))) == 0
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_scheduler_beats_while_it_runs_and_removes_its_row_on_sigterm(runner, monkeypatch):
    from alumni.models import WorkerHeartbeat

    seen = _stop_with_sigterm_after_the_first_loop(monkeypatch, "scheduler")
    r = runner.invoke(args=["schedule", "run", "--tick", "1"])
    assert r.exit_code == 0, r.output
    assert "events remind: queued 0, skipped 0" in r.output
    assert seen == [True]
    assert db.session.scalar(select(func.count(WorkerHeartbeat.name))) == 0


def test_members_import_reads_an_xlsx_and_prints_every_problem_of_a_row(runner, tmp_path):
    from openpyxl import Workbook

    from alumni.services.imports import COLUMNS

    workbook = Workbook()
    workbook.active.append(list(COLUMNS))
    workbook.active.append(["ana@example.org", "Ana", "Silva", "", "XX", "es", "", "SSP-Q", 2019.0, "inbound",
                            date(2019, 7, 7), date(2019, 7, 1), "", "", "", ""])
    src = tmp_path / "members.xlsx"
    workbook.save(src)
    r = runner.invoke(args=["members", "import", str(src)])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert lines[-1] == "created 0, updated 0, unchanged 0, rejected 1"
    assert [line.split(":")[0] for line in lines[-4:-1]] == [
        "line 2, column country, value 'XX'", "line 2, column programme, value 'SSP-Q'",
        "line 2, column end_date, value '2019-07-01'"]
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a workbook")
    r = runner.invoke(args=["members", "import", str(fake)])
    assert r.exit_code != 0 and "not an Excel workbook" in r.output
