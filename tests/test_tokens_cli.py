"""`flask tokens create|list|revoke` (INTERFACES.md; issue 23, item 8)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from alumni.extensions import db
from alumni.models import ApiToken
from alumni.models.types import utcnow
from tests.factories import make_account, make_user


def create(runner, email, *extra) -> str:
    r = runner.invoke(args=["tokens", "create", email, *extra])
    assert r.exit_code == 0, r.output
    return r.output.strip().splitlines()[-1]


def test_tokens_create_takes_days_and_prints_the_token_last(runner, api):
    make_user("staff", email="hq@example.org")
    token = create(runner, "hq@example.org", "--days", "7")
    assert api.get("/members", token).status_code == 200
    stored = db.session.scalar(select(ApiToken))
    assert timedelta(days=7) - (stored.expires_at - utcnow()) < timedelta(minutes=1)
    token = create(runner, "hq@example.org")
    assert len(db.session.scalars(select(ApiToken)).all()) == 2
    r = runner.invoke(args=["tokens", "create", "hq@example.org", "--days", "0"])
    assert r.exit_code != 0 and "days" in r.output.lower()


def test_tokens_list_prints_id_created_last_used_and_expires(runner, api):
    make_user("staff", email="hq@example.org")
    make_account("other@example.org")
    used, unused = create(runner, "hq@example.org"), create(runner, "hq@example.org", "--days", "30")
    create(runner, "other@example.org")
    assert api.get("/members", used).status_code == 200
    r = runner.invoke(args=["tokens", "list", "hq@example.org"])
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert lines[0].split() == ["id", "created", "last_used", "expires", "state"]
    rows = [line.split() for line in lines[1:]]
    ids = [t.id for t in db.session.scalars(select(ApiToken).join(ApiToken.user)
                                            .where(ApiToken.user.has(email="hq@example.org"))
                                            .order_by(ApiToken.id.desc()))]
    assert [int(cells[0]) for cells in rows] == ids  # newest first, the other account's not there
    newest, oldest = rows
    assert newest[2] == "never" and oldest[2] != "never"  # the used one has a last use
    assert newest[4] == oldest[4] == "active"
    assert newest[3] < oldest[3]  # 30 days expires before 90 (ISO 8601 sorts as text)
    del unused


def test_tokens_revoke_one_by_id(runner, api):
    make_user("staff", email="hq@example.org")
    first, second = create(runner, "hq@example.org"), create(runner, "hq@example.org")
    first_id = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id))
    r = runner.invoke(args=["tokens", "revoke", str(first_id)])
    assert r.exit_code == 0 and f"revoked token {first_id}" in r.output
    assert api.get("/members", first).status_code == 401
    assert api.get("/members", second).status_code == 200
    r = runner.invoke(args=["tokens", "list", "hq@example.org"])
    assert "revoked" in r.output
    r = runner.invoke(args=["tokens", "revoke", "999999"])
    assert r.exit_code != 0 and "999999" in r.output


def test_tokens_revoke_all_of_an_account(runner, api):
    make_user("staff", email="hq@example.org")
    make_user("staff", email="hq2@example.org")
    mine = [create(runner, "hq@example.org") for _ in range(2)]
    theirs = create(runner, "hq2@example.org")
    r = runner.invoke(args=["tokens", "revoke", "--all", "hq@example.org"])
    assert r.exit_code == 0 and "revoked 2 tokens" in r.output
    assert [api.get("/members", t).status_code for t in mine] == [401, 401]
    assert api.get("/members", theirs).status_code == 200


def test_tokens_revoke_needs_an_id_or_all(runner):
    assert runner.invoke(args=["tokens", "revoke"]).exit_code != 0
    make_user("staff", email="hq@example.org")
    assert runner.invoke(args=["tokens", "revoke", "1", "--all", "hq@example.org"]).exit_code != 0
    r = runner.invoke(args=["tokens", "revoke", "--all", "ghost@example.org"])
    assert r.exit_code != 0 and "ghost@example.org" in r.output
    r = runner.invoke(args=["tokens", "list", "ghost@example.org"])
    assert r.exit_code != 0 and "ghost@example.org" in r.output
