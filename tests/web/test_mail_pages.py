"""Mail pages: one-click unsubscribe without login, the organizer's invitation and status pages,
staff's held addresses; and the invitations API."""
import pytest
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import MailAddressHold, MailStatus, Member, OutgoingMail
from alumni.services import invitations as isvc
from alumni.services.mailmerge import unsubscribe_token
from tests.factories import PASSWORD, login, make_chapter, make_event, make_member, make_token, make_user


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


# ---------------------------------------------------------------- unsubscribe
def test_one_click_unsubscribe_works_without_login_and_csrf_token(client, csrf_on):
    event = make_event()
    member = make_member()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    db.session.commit()
    row = db.session.scalar(select(OutgoingMail))
    url = row.headers["List-Unsubscribe"].strip("<>").removeprefix("http://alumni.test")
    # What a mail client does (RFC 8058): POST List-Unsubscribe=One-Click, no cookie, no token.
    r = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    db.session.expire_all()
    assert db.session.get(Member, member.id).invitations_unsubscribed_at is not None
    assert isvc.queue_invitations(make_event(), isvc.clean_audience({})) == (0, 1)
    db.session.commit()  # as a request would: the test's transaction must not hold the next request


def test_following_the_link_asks_first_and_a_forged_token_is_refused(client):
    member = make_member()
    page = client.get(f"/mail/unsubscribe/{unsubscribe_token(member.id)}")
    assert page.status_code == 200 and "Unsubscribe" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, member.id).invitations_unsubscribed_at is None  # a GET changes nothing
    assert client.post(f"/mail/unsubscribe/{member.id}").status_code == 404
    assert client.post("/mail/unsubscribe/" + unsubscribe_token(member.id)[:-2] + "xx").status_code == 404


def test_other_posts_still_need_a_csrf_token(client, csrf_on):
    staff = make_user("staff", password=PASSWORD)
    r = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"].endswith("/login")  # back to the form
    assert client.get("/me").status_code == 302  # not logged in


# ---------------------------------------------------------------- organizer pages
def test_organizer_counts_previews_every_language_then_sends(client):
    make_chapter("IN", "India chapter", ("IN",))
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    event = make_event("IN", translations={"ja": {"title": "デリー同窓会"}})
    for lang in ("ja", "hi", "ar", "en"):
        make_member(preferred_language=lang, country="IN")
    make_member(country="KE")
    login(client, organizer)
    page = client.get(f"/manage/events/{event.id}/invite")
    assert page.status_code == 200
    r = client.post(f"/manage/events/{event.id}/invite", data={"chapter": "IN", "action": "count"})
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "4 members will receive it" in text
    assert "デリー同窓会" in text  # the Japanese preview uses the translated title
    for lang in ("ja", "hi", "ar", "en"):
        assert f'class="preview" id="preview-{lang}" lang="{lang}"' in text
        assert f'href="#preview-{lang}"' in text  # the language picker
    assert db.session.scalar(select(OutgoingMail.id)) is None  # counting sends nothing
    r = client.post(f"/manage/events/{event.id}/invite", data={"chapter": "IN", "action": "send"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/manage/events/{event.id}/mail")
    assert len(db.session.scalars(select(OutgoingMail)).all()) == 4
    status = client.get(f"/manage/events/{event.id}/mail").get_data(as_text=True)
    assert "<strong>4</strong> Queued" in status and ">Invitations</h2>" in status


def test_bad_audience_on_the_page_names_the_field(client):
    make_chapter("IN", "India chapter", ("IN",))
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    event = make_event("IN")
    login(client, organizer)
    r = client.post(f"/manage/events/{event.id}/invite", data={"countries": "XX", "action": "count"})
    assert r.status_code == 422 and "not an ISO 3166-1" in r.get_data(as_text=True)


def test_another_chapters_organizer_may_not_invite(client):
    make_chapter("KE", "Kenya chapter", ("KE",))
    other = make_user("organizer", chapter="KE", password=PASSWORD)
    event = make_event("IN")
    login(client, other)
    assert client.get(f"/manage/events/{event.id}/invite").status_code == 403
    assert client.post(f"/manage/events/{event.id}/invite", data={"action": "send"}).status_code == 403


def test_status_shows_failures_with_reasons_and_retry_queues_them_again(client):
    staff = make_user("staff", password=PASSWORD)
    event = make_event()
    make_member()
    isvc.queue_invitations(event, isvc.clean_audience({}))
    row = db.session.scalar(select(OutgoingMail))
    row.status, row.last_error = MailStatus.failed, "550 no such user"
    db.session.commit()
    login(client, staff)
    page = client.get(f"/manage/events/{event.id}/mail").get_data(as_text=True)
    assert "550 no such user" in page and "<strong>1</strong> Failed" in page
    ask = client.post(f"/manage/events/{event.id}/mail/retry", data={"mailing": f"event:{event.id}:invite"})
    assert ask.status_code == 200 and "1 message that failed is queued again" in ask.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutgoingMail, row.id).status == MailStatus.failed  # asked, not done
    r = client.post(f"/manage/events/{event.id}/mail/retry",
                    data={"mailing": f"event:{event.id}:invite", "confirmed": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutgoingMail, row.id).status == MailStatus.queued


def test_staff_see_held_addresses_and_release_them(client):
    db.session.add(MailAddressHold(email="bounce@example.org", permanent_failures=2, held=True, last_error="550 gone"))
    db.session.commit()
    make_chapter("IN", "India chapter", ("IN",))
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    login(client, organizer)
    assert client.get("/manage/mail/holds").status_code == 403
    client.post("/logout")
    staff = make_user("staff", password=PASSWORD)
    login(client, staff)
    page = client.get("/manage/mail/holds").get_data(as_text=True)
    assert "bounce@example.org" in page and "550 gone" in page
    ask = client.post("/manage/mail/holds/release", data={"email": "bounce@example.org"})
    assert ask.status_code == 200 and "<bdi>bounce@example.org</bdi>" in ask.get_data(as_text=True)
    assert db.session.get(MailAddressHold, "bounce@example.org") is not None  # asked, not done
    assert client.post("/manage/mail/holds/release",
                       data={"email": "bounce@example.org", "confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(MailAddressHold, "bounce@example.org") is None


# ---------------------------------------------------------------- API
def test_api_invites_an_audience_once(api):
    make_chapter("IN", "India chapter", ("IN",))
    token = make_token(make_user("organizer", chapter="IN"))
    event = make_event("IN")
    make_member(country="IN", preferred_language="ja")
    make_member(country="IN")
    make_member(country="KE")
    r = api.post(f"/events/{event.id}/invitations", token, json={"audience": {"chapter": "IN"}})
    assert r.status_code == 200 and r.get_json() == {"queued": 2, "skipped": 0}
    r = api.post(f"/events/{event.id}/invitations", token, json={"audience": {"chapter": "IN"}})
    assert r.get_json() == {"queued": 0, "skipped": 2}


@pytest.mark.parametrize("audience, field", [
    ({"countries": ["XX"]}, "audience.countries"),
    ({"fiscal_years": ["soon"]}, "audience.fiscal_years"),
    ({"programmes": ["NOPE"]}, "audience.programmes"),
    ({"chapter": "ZZ"}, "audience.chapter"),
])
def test_api_bad_audience_is_422_naming_the_field(api, audience, field):
    token = make_token(make_user("staff"))
    event = make_event()
    r = api.post(f"/events/{event.id}/invitations", token, json={"audience": audience})
    assert r.status_code == 422
    assert field in r.get_json()["error"]["fields"]
    assert db.session.scalar(select(OutgoingMail.id)) is None


def test_api_only_the_events_organizers_and_staff_invite(api):
    event = make_event("IN")
    make_member()
    make_chapter("KE", "Kenya chapter", ("KE",))
    assert api.post(f"/events/{event.id}/invitations", json={"audience": {}}).status_code == 401
    member_token = make_token(make_user("member"))
    assert api.post(f"/events/{event.id}/invitations", member_token, json={"audience": {}}).status_code == 403
    other = make_token(make_user("organizer", chapter="KE"))
    assert api.post(f"/events/{event.id}/invitations", other, json={"audience": {}}).status_code == 403
    staff = make_token(make_user("staff"))
    assert api.post(f"/events/{event.id}/invitations", staff, json={"audience": {}}).status_code == 200


def test_an_unsubscribed_member_can_subscribe_again_from_the_same_page(client):
    member = make_member()
    token = unsubscribe_token(member.id)
    page = client.post(f"/mail/unsubscribe/{token}").get_data(as_text=True)
    assert "Subscribe again" in page
    assert client.post(f"/mail/subscribe/{token}").status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, member.id).invitations_unsubscribed_at is None


def test_subscribing_again_needs_the_pages_csrf_token(client, csrf_on):
    member = make_member()
    token = unsubscribe_token(member.id)
    client.post(f"/mail/unsubscribe/{token}")
    assert client.post(f"/mail/subscribe/{token}").status_code == 303  # back to the page, nothing done
    db.session.expire_all()
    assert db.session.get(Member, member.id).invitations_unsubscribed_at is not None


def test_a_member_turns_invitations_off_and_on_from_the_profile(client, csrf_on):
    """For a member who no longer has the mail with the link: the same switch on /me. Off also
    withdraws invitations still waiting in the outbox; a form without the page's token does
    nothing."""
    import re

    from tests.factories import make_account

    user = make_account("switch@example.org", password=PASSWORD)
    member_id = user.member.id
    login_page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"csrf_token": csrf, "email": user.email, "password": PASSWORD}).status_code == 302
    isvc.queue_invitations(make_event(), isvc.clean_audience({}))
    db.session.commit()
    waiting = select(func.count(OutgoingMail.id)).where(OutgoingMail.member_id == member_id)
    assert db.session.scalar(waiting) == 1

    page = client.get("/me").get_data(as_text=True)
    assert "You receive invitations to alumni events" in page
    token = re.search(r'id="invitations".*?name="csrf_token" type="hidden" value="([^"]+)"', page, re.S).group(1)
    assert client.post("/me/invitations", data={"invitations": "off"}).status_code == 303  # no token
    db.session.expire_all()
    assert db.session.get(Member, member_id).invitations_unsubscribed_at is None

    r = client.post("/me/invitations", data={"csrf_token": token, "invitations": "off"}, follow_redirects=True)
    assert "You will receive no more invitations." in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, member_id).invitations_unsubscribed_at is not None
    assert db.session.scalar(waiting) == 0  # the invitation still in the outbox is withdrawn
    assert isvc.queue_invitations(make_event(), isvc.clean_audience({})) == (0, 1)
    db.session.commit()  # as a request would: the test's transaction must not hold the next request

    assert client.post("/me/invitations", data={"csrf_token": token, "invitations": "maybe"}).status_code == 400
    r = client.post("/me/invitations", data={"csrf_token": token, "invitations": "on"}, follow_redirects=True)
    assert "Subscribe again" not in r.get_data(as_text=True) and "You will receive invitations again." in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, member_id).invitations_unsubscribed_at is None


def test_the_invite_preview_shows_each_languages_html_in_a_sandbox_with_the_plain_text_a_click_away(client):
    """The HTML part as the member will see it, in an iframe that may run nothing and whose
    document is escaped into srcdoc (a title with markup cannot reach the organizer's page);
    the plain part under it, in a closed <details>. Greeting and text in the member's language."""
    import html
    import re

    from alumni.services import invitations as isvc

    make_chapter("IN", "India chapter", ("IN",))
    organizer = make_user("organizer", chapter="IN", password=PASSWORD)
    event = make_event("IN", title='Reunion <script>alert(1)</script> & "friends"',
                       translations={"hi": {"title": "पुनर्मिलन"}})
    for lang in ("hi", "en"):
        make_member(preferred_language=lang, country="IN")
    login(client, organizer)
    r = client.post(f"/manage/events/{event.id}/invite", data={"chapter": "IN", "action": "count"})
    text = r.get_data(as_text=True)
    frames = re.findall(r'<iframe class="mail-html" sandbox="" srcdoc="([^"]*)"', text)
    assert len(frames) == 2
    assert "<script>alert(1)</script>" not in text
    shown = {html.unescape(frame) for frame in frames}
    assert shown == {isvc.preview_invitation(event, lang)["html_body"] for lang in ("hi", "en")}
    [hindi] = [frame for frame in shown if 'lang="hi"' in frame]
    assert "पुनर्मिलन" in hindi and "Alumna or alumnus" not in hindi
    assert text.count('<details class="mail-plain">') == 2
    assert "Plain text version" in text
    assert "allow-scripts" not in text
