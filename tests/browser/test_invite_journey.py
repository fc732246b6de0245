"""The organizer invites an audience in a real browser: count per language, previews, send,
then the mailing's status."""
from playwright.sync_api import expect
from sqlalchemy import func, select

from alumni.extensions import db
from alumni.models import OutgoingMail
from tests.browser.helpers import log_in
from tests.browser.test_events_journey import PASSWORD, shot
from tests.factories import make_chapter, make_event, make_member, make_user


def test_organizer_counts_previews_and_sends_invitations(page, live_server, tmp_path):
    make_chapter("IN", "India chapter", ("IN",))
    make_user("organizer", email="org@example.in", chapter="IN", password=PASSWORD)
    event = make_event("IN", title="7th India alumni reunion",
                       translations={"ja": {"title": "第7回インド同窓会"}, "hi": {"title": "7वाँ भारत पूर्व छात्र सम्मेलन"}})
    for lang in ("ja", "ja", "hi", "ar", "en"):
        make_member(preferred_language=lang, country="IN")
    make_member(country="KE")

    log_in(page, "org@example.in")
    page.goto(f"/manage/events/{event.id}")
    page.get_by_role("link", name="Invite", exact=True).click()
    page.get_by_role("button", name="Preview audience and message").click()
    expect(page.get_by_role("heading", name="5 members will receive it")).to_be_visible()
    expect(page.get_by_text("第7回インド同窓会").first).to_be_visible()
    shot(page, tmp_path, "invite-count.png")
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0

    page.get_by_role("button", name="Send 5 invitations").click()
    expect(page.get_by_text("5 invitations queued, 0 skipped.")).to_be_visible()
    expect(page.get_by_role("heading", name="Invitations")).to_be_visible()
    shot(page, tmp_path, "invite-status.png")
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 5
