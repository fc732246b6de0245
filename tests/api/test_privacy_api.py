"""Privacy through the API: staff reads are logged, a member's own visibility change is a consent."""
from sqlalchemy import select

from alumni.models import Consent, StaffAccess
from tests.factories import make_member, make_token, make_user


def test_staff_reads_of_a_member_are_logged(api, db):
    member = make_member(visibility="hidden")
    staff_token = make_token(make_user("staff", email="hq@example.org"))
    assert api.get(f"/members/{member.id}", token=staff_token).status_code == 200
    assert api.get(f"/members/{member.id}/careers", token=staff_token).status_code == 200
    assert api.get("/members?page=2", token=staff_token).status_code == 200
    rows = db.session.scalars(select(StaffAccess).order_by(StaffAccess.id)).all()
    assert [(r.actor_email, r.member_id, r.action) for r in rows] == [
        ("hq@example.org", member.id, f"api:GET /api/v1/members/{member.id}"),
        ("hq@example.org", member.id, f"api:GET /api/v1/members/{member.id}/careers"),
        ("hq@example.org", None, "api:GET /api/v1/members?page=2"),
    ]


def test_a_member_reading_themselves_is_not_logged(api, db):
    member = make_member()
    token = make_token(make_user("member", member=member))
    assert api.get(f"/members/{member.id}", token=token).status_code == 200
    assert db.session.scalar(select(StaffAccess)) is None


def test_own_visibility_change_is_a_dated_consent(api, db):
    member = make_member(visibility="hidden")
    token = make_token(make_user("member", member=member))
    staff_token = make_token(make_user("staff", email="hq@example.org"))
    assert api.patch(f"/members/{member.id}", token=token, json={"visibility": "public"}).status_code == 200
    assert api.patch(f"/members/{member.id}", token=staff_token, json={"visibility": "hidden"}).status_code == 200
    consents = db.session.scalars(select(Consent)).all()
    assert [(c.kind.value, c.granted) for c in consents] == [("directory_listing", True)]
    assert consents[0].recorded_at is not None
