"""Registration questions in a real browser (issue 22): a question with show_if is hidden until
its condition holds, and the member's answers reach the server."""
from playwright.sync_api import expect
from sqlalchemy import select

from alumni.extensions import db
from alumni.models import Registration
from alumni.services import questions as qsvc
from tests.browser.helpers import log_in
from tests.factories import make_event, make_member, make_user

PASSWORD = "a long enough passphrase"


def test_a_conditional_question_appears_only_when_its_condition_holds(page):
    event = make_event(title="Forum with questions")
    meal = qsvc.add_question(event, {"kind": "single_choice", "label": "Meal", "options": ["Vegetarian", "Any"],
                                     "required": True})
    visa = qsvc.add_question(event, {"kind": "yes_no", "label": "Do you need a visa letter?"})
    passport = qsvc.add_question(event, {"kind": "text", "label": "Passport number", "required": True,
                                         "show_if": {"question": visa.id, "value": "yes"}})
    db.session.commit()
    member = make_member(email="priya@example.in")
    make_user("member", member=member, password=PASSWORD)

    log_in(page, "priya@example.in")
    page.goto(f"/events/{event.id}")
    expect(page.get_by_label("Passport number")).to_be_hidden()
    page.get_by_label("Vegetarian").check()
    page.get_by_role("group", name="Do you need a visa letter?").get_by_label("Yes").check()
    expect(page.get_by_label("Passport number")).to_be_visible()
    page.get_by_label("Passport number").fill("Z1234567")
    page.get_by_role("button", name="Yes, I will come").click()
    expect(page.get_by_text("You are registered.")).to_be_visible()
    db.session.expire_all()
    reg = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).one()
    assert qsvc.answers_of(reg) == {meal.id: "Vegetarian", visa.id: True, passport.id: "Z1234567"}
