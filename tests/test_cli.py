"""The flask commands of INTERFACES.md."""
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import ApiToken, Chapter, Event, Institution, Member, Participation, User
from tests.factories import make_member


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
    first = [(m.email, m.given_name, m.country) for m in db.session.scalars(select(Member).order_by(Member.email))]
    participations = db.session.scalar(select(func.count(Participation.id)))
    assert len(first) == 40 and participations >= 40
    r = runner.invoke(args=["demo", "load", "--members", "40"])
    assert "members added 0" in r.output and "events added 0" in r.output
    assert db.session.scalar(select(func.count(Participation.id))) == participations
    assert db.session.scalar(select(func.count(Institution.id))) == 27
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
    assert db.session.scalar(select(func.count(Member.id))) == 45
    again = [(m.email, m.given_name, m.country) for m in
             db.session.scalars(select(Member).where(Member.email <= "demo00040@alumni.example").order_by(Member.email))]
    assert again == first


def test_mail_deliver_once_drains_the_outbox(runner, smtp):
    from alumni.services.outbox import queue_many

    queue_many([{"dedup_key": f"k{i}", "kind": "test", "recipient": f"a{i}@example.org",
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
    assert lines[-2].startswith("line 3: fiscal_year:")
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
