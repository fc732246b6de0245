"""Feedback on pages (issue 22 item 5): the member checked in answers from the mail's link and
sees a thank-you page; others are refused with a clear message; the form closes; organizers add
the default questions in one click, send the request after a confirmation, and see the results
with small cells suppressed and no names, on the page and in the CSV."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from alumni.extensions import db
from alumni.models import MailPurpose, OutgoingMail, QuestionForm
from alumni.services import feedback as fsvc
from alumni.services import questions as qsvc
from tests.factories import PASSWORD, login, make_event, make_user
from tests.services.test_feedback import attendee, past_event


def world():
    event = past_event()
    fsvc.add_default_questions(event)
    db.session.commit()
    return event, fsvc.feedback_questions(event)


def as_member(client, reg):
    login(client, make_user("member", member=reg.member, password=PASSWORD))


def test_a_member_checked_in_answers_and_is_thanked(client):
    event, (rating, liked, _change) = world()
    reg = attendee(event, given_name="Aiko", family_name="Sato")
    as_member(client, reg)
    assert f'href="/events/{event.id}/feedback"' in client.get(f"/events/{event.id}").get_data(as_text=True)
    page = client.get(f"/events/{event.id}/feedback")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Overall, how was the event?" in html and f'name="q-{rating.id}"' in html and "None" not in html
    r = client.post(f"/events/{event.id}/feedback", data={f"q-{rating.id}": "4", f"q-{liked.id}": "The talks"})
    assert r.status_code == 302 and r.location.endswith(f"/events/{event.id}/feedback/thanks")
    thanks = client.get(r.location).get_data(as_text=True)
    assert "Thank you for your feedback" in thanks and f"/registrations/{reg.id}/certificate.pdf" in thanks
    assert qsvc.answers_of(reg, QuestionForm.feedback) == {rating.id: "4", liked.id: "The talks"}
    # back on the form: the answers are there to change
    again = client.get(f"/events/{event.id}/feedback").get_data(as_text=True)
    assert "The talks" in again and "Save my changes" in again


def test_a_missing_required_answer_is_said_and_nothing_saved(client):
    event, (_rating, liked, _change) = world()
    reg = attendee(event)
    as_member(client, reg)
    r = client.post(f"/events/{event.id}/feedback", data={f"q-{liked.id}": "Talks"})
    assert r.status_code == 422
    assert "Please answer the question" in r.get_data(as_text=True)
    assert qsvc.answers_of(reg, QuestionForm.feedback) == {} and reg.feedback_submitted_at is None


def test_someone_not_checked_in_is_refused_clearly(client):
    event, (rating, *_rest) = world()
    reg = attendee(event, checked_in=False)
    as_member(client, reg)
    assert f'href="/events/{event.id}/feedback"' not in client.get(f"/events/{event.id}").get_data(as_text=True)
    for r in (client.get(f"/events/{event.id}/feedback"),
              client.post(f"/events/{event.id}/feedback", data={f"q-{rating.id}": "5"})):
        assert r.status_code == 403
        assert "Only those checked in at the event can give feedback." in r.get_data(as_text=True)
    assert reg.feedback_submitted_at is None


def test_the_form_closes_thirty_days_after_the_end(client):
    end = datetime.now().replace(microsecond=0, second=0) - timedelta(days=fsvc.FEEDBACK_DAYS + 1)
    event = make_event(starts_at=end - timedelta(hours=2), ends_at=end)
    fsvc.add_default_questions(event)
    rating = fsvc.feedback_questions(event)[0]
    reg = attendee(event)
    as_member(client, reg)
    assert "The feedback form for this event is closed." in client.get(f"/events/{event.id}/feedback").get_data(
        as_text=True)
    r = client.post(f"/events/{event.id}/feedback", data={f"q-{rating.id}": "5"})
    assert r.status_code == 422 and "closed" in r.get_data(as_text=True)
    assert reg.feedback_submitted_at is None


def organizer(client):
    login(client, make_user("organizer", chapter="IN", password=PASSWORD))


def test_organizers_add_defaults_and_send_after_confirming_and_the_mail_links_work(client):
    event = past_event()
    reg = attendee(event, given_name="Aiko", family_name="Sato")
    attendee(event, checked_in=False)
    organizer(client)
    page = client.get(f"/manage/events/{event.id}/feedback").get_data(as_text=True)
    assert "Add the default questions" in page and "Add the feedback questions first." in page
    client.post(f"/manage/events/{event.id}/feedback", data={"action": "defaults"})
    assert len(fsvc.feedback_questions(event)) == 3
    asked = client.post(f"/manage/events/{event.id}/feedback", data={"action": "send"})
    assert asked.status_code == 200 and "Send the request" in asked.get_data(as_text=True)  # the confirmation page
    assert db.session.scalar(select(OutgoingMail).where(OutgoingMail.purpose == MailPurpose.feedback)) is None
    r = client.post(f"/manage/events/{event.id}/feedback", data={"action": "send", "confirmed": "1"})
    assert r.status_code == 302
    [mail] = db.session.scalars(select(OutgoingMail).where(OutgoingMail.purpose == MailPurpose.feedback)).all()
    assert mail.member_id == reg.member_id
    # the member follows both links of the mail
    client.post("/logout")
    as_member(client, reg)
    form_url, cert_url = (urlsplit(re.search(rf"https?://[^\s]+{path}", mail.text_body).group(0)).path
                          for path in (r"/feedback\b", r"/certificate\.pdf"))
    assert client.get(form_url).status_code == 200
    pdf = client.get(cert_url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_the_automatic_delay_is_set_on_the_results_page(client):
    event, _asked = world()
    organizer(client)
    client.post(f"/manage/events/{event.id}/feedback", data={"action": "settings", "feedback_after_hours": "24"})
    db.session.refresh(event)
    assert event.feedback_after_hours == 24
    r = client.post(f"/manage/events/{event.id}/feedback", data={"action": "settings", "feedback_after_hours": "999"})
    assert r.status_code == 422 and event.feedback_after_hours == 24


def test_results_page_and_csv_suppress_small_cells_and_never_name_anyone(client):
    event, (rating, liked, _change) = world()
    for i in range(6):
        reg = attendee(event, given_name=f"Person{i}", family_name="Tanaka")
        fsvc.submit(reg, {str(rating.id): "5" if i else "2", str(liked.id): "Good talks" if i < 2 else ""})
    db.session.commit()
    organizer(client)
    html = client.get(f"/manage/events/{event.id}/feedback").get_data(as_text=True)
    assert "&lt;5" in html and "Good talks" not in html and "Tanaka" not in html and "None" not in html
    assert "Fewer than 5 people answered" in html
    csv_text = client.get(f"/manage/events/{event.id}/feedback.csv").get_data(as_text=True)
    assert "<5" in csv_text and "Good talks" not in csv_text and "Tanaka" not in csv_text


def test_feedback_questions_have_their_own_page(client):
    event, asked = world()
    parking = qsvc.add_question(event, {"kind": "yes_no", "label": "Parking?"})
    db.session.commit()
    organizer(client)
    html = client.get(f"/manage/events/{event.id}/feedback/questions").get_data(as_text=True)
    assert "Feedback questions" in html and "What should we change next time?" in html and "Parking?" not in html
    client.post(f"/manage/events/{event.id}/feedback/questions",
                data={"action": "add", "kind": "yes_no", "label": "Would you come again?"})
    assert [q.label for q in fsvc.feedback_questions(event)][-1] == "Would you come again?"
    assert qsvc.questions_of(event) == [parking]
    # a registration question cannot be changed through the feedback page
    r = client.post(f"/manage/events/{event.id}/feedback/questions",
                    data={"action": "delete", "question_id": str(parking.id), "confirmed": "1"})
    assert r.status_code == 404 and qsvc.questions_of(event) == [parking]
    assert len(asked) == 3
