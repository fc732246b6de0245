"""Names of chapters, institutions and programmes in every language (issue 19): the service picks
the reader's name or the original with its language; pages, pickers, the API and mail use it."""
import pytest
from flask_babel import force_locale

from alumni.errors import Forbidden, Invalid
from alumni.extensions import db
from alumni.services import chapters, institutions, names
from tests.factories import make_event, make_institution, make_member, make_participation, make_token, make_user


def _chapter(**values):
    chapter, _created = chapters.create_chapter("IN", "India chapter", ["IN"], names=values.get("names"),
                                                language=values.get("language", "en"))
    db.session.commit()
    return chapter


# ---------------------------------------------------------------- the service
def test_the_reader_gets_the_translation_else_the_original_with_its_language():
    chapter = _chapter(names={"ja": "インド支部", "zh_hans": "印度分会"})
    assert chapter.names == {"ja": "インド支部", "zh-Hans": "印度分会"}  # canonical tags
    assert names.local_name(chapter, "ja") == ("インド支部", "ja", True)
    assert names.local_name(chapter, "zh_Hans") == ("印度分会", "zh-Hans", True)  # a Babel locale name too
    assert names.local_name(chapter, "en") == ("India chapter", "en", True)  # its own language
    assert names.local_name(chapter, "th") == ("India chapter", "en", False)  # no Thai name: the original
    assert names.name_text(chapter, "th") == "India chapter"
    assert names.name_text(None, "ja") == ""


def test_blank_names_are_no_translation_and_limits_are_checked():
    assert names.clean_names({"ja": "  ", "hi": "", "th": None, "en": "Same"}, "en", 200) == {}
    with pytest.raises(Invalid) as error:
        names.clean_names({"ja": "あ" * 201}, "en", 200)
    assert "names" in error.value.fields
    with pytest.raises(Invalid):
        names.clean_names({"ja": "two\nlines"}, "en", 200)
    with pytest.raises(Invalid):
        names.clean_names({"xx": "?"}, "en", 200)  # not a language we serve
    with pytest.raises(Invalid):
        names.clean_names(["ja"], "en", 200)


def test_only_staff_and_the_chapters_organizers_change_its_names():
    chapter = _chapter()
    other = chapters.create_chapter("CN", "China chapter", ["CN"])[0]
    db.session.commit()
    staff, own, foreign = make_user("staff"), make_user("organizer", chapter="IN"), make_user("organizer", chapter="CN")
    names.set_chapter_names(chapter, {"names": {"ja": "インド支部"}}, own)
    names.set_chapter_names(other, {"names": {"ja": "中国支部"}}, staff)
    with pytest.raises(Forbidden):
        names.set_chapter_names(chapter, {"names": {"ja": "x"}}, foreign)
    assert chapter.names == {"ja": "インド支部"} and other.names == {"ja": "中国支部"}
    names.set_chapter_names(chapter, {"names": {"ja": ""}}, staff)  # blank removes it
    assert chapter.names == {}


def test_programme_names_come_from_the_translated_catalogue(app):
    assert names.programme_name("SSP-B") == "Sakura Science Program B: joint research"
    assert names.programme_name("NEW", "A new programme") == "A new programme"
    assert names.programme_name("NEW") == "NEW"
    with app.test_request_context(), force_locale("ja"):
        assert names.programme_name("SSP-B") != "" and isinstance(names.programme_name("SSP-B"), str)


# ---------------------------------------------------------------- pages
def _login(client, user):
    assert client.post("/login", data={"email": user.email, "password": "a long enough passphrase"}).status_code == 302


def test_event_pages_show_the_chapter_in_the_readers_language_or_marked_original(client):
    chapter = _chapter(names={"ja": "インド支部"})
    event = make_event("IN", title="Delhi reunion")
    client.get("/language?lang=ja")
    page = client.get("/events").get_data(as_text=True)
    assert "インド支部" in page and '<span lang="en">India chapter</span>' not in page
    assert f'<option value="{chapter.code}"' in page
    client.get("/language?lang=th")
    page = client.get("/events").get_data(as_text=True)
    assert '<span lang="en">India chapter</span>' in page and "インド支部" not in page
    assert '<option value="IN" lang="en"' in page  # the picker's option carries its own language
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert '<span lang="en">India chapter</span>' in page
    client.get("/language?lang=en")
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "India chapter" in page and '<span lang="en">India chapter</span>' not in page


def test_a_members_records_show_institutions_and_programmes_by_the_readers_language(client):
    host = make_institution(name="Kyoto University", names={"ja": "京都大学"})
    user = make_user("member", member=make_member(email="me@example.org"), password="a long enough passphrase")
    make_participation(user.member, programme="SSP-B", host_institution_id=host.id, start_date="2019-07-01",
                       end_date="2019-07-20")
    _login(client, user)
    client.get("/language?lang=ja")
    page = client.get("/me").get_data(as_text=True)
    assert "京都大学" in page
    client.get("/language?lang=hi")
    page = client.get("/me").get_data(as_text=True)
    assert '<span lang="en">Kyoto University</span>' in page
    client.get("/language?lang=en")
    page = client.get("/me").get_data(as_text=True)
    assert "Sakura Science Program B: joint research" in page


def test_the_institution_picker_names_institutions_in_the_readers_language(app):
    from alumni.web import pickers

    make_institution(name="Kyoto University", names={"ja": "京都大学"})
    with app.test_request_context(), force_locale("ja"):
        labels = {c.label: c.render_kw for c in pickers.institution_choices(country="JP")}
    assert labels.get("京都大学") is None and "京都大学" in labels
    with app.test_request_context(), force_locale("th"):
        labels = {c.label: c.render_kw for c in pickers.institution_choices(country="JP")}
    assert labels["Kyoto University"] == {"lang": "en"}


# ---------------------------------------------------------------- API
def test_api_reads_and_writes_institution_names(api):
    token = make_token(make_user("organizer", chapter=_chapter(names={"ja": "インド支部"}).code))
    answer = api.post("/institutions", token, json={"name": "Osaka University", "country": "JP",
                                                    "names": {"ja": "大阪大学", "hi": ""}})
    assert answer.status_code == 201, answer.json
    assert answer.json["names"] == {"ja": "大阪大学"} and answer.json["language"] == "en"
    inst_id = answer.json["id"]
    answer = api.patch(f"/institutions/{inst_id}", token, json={"names": {"ja": "大阪大学", "zh-Hans": "大阪大学"}})
    assert answer.status_code == 200 and answer.json["names"] == {"ja": "大阪大学", "zh-Hans": "大阪大学"}
    assert api.patch(f"/institutions/{inst_id}", token, json={"names": {"ja": "x" * 301}}).status_code == 422
    assert api.patch(f"/institutions/{inst_id}", token, json={"names": {"xx": "?"}}).status_code == 422
    assert api.patch(f"/institutions/{inst_id}", token, json={"name": "Renamed"}).status_code == 422
    assert api.patch("/institutions/999999", token, json={"names": {}}).status_code == 404
    member_token = make_token(make_user("member"))
    assert api.patch(f"/institutions/{inst_id}", member_token, json={"names": {}}).status_code == 403
    listed = api.get("/institutions?q=osaka").json["items"][0]
    assert listed["names"] == {"ja": "大阪大学", "zh-Hans": "大阪大学"}
    chapter = api.get("/chapters").json["items"][0]
    assert chapter["names"] == {"ja": "インド支部"} and chapter["language"] == "en"


# ---------------------------------------------------------------- mail and feeds
def test_invitation_mail_and_calendar_name_the_chapter_in_the_members_language(app):
    from alumni.services.calendars import calendar_item
    from alumni.services.mailmerge import Recipient, render_rows

    _chapter(names={"ja": "インド支部"})
    event = make_event("IN")
    with app.test_request_context():
        assert calendar_item(event, "ja").organizer_name == "インド支部"
        assert calendar_item(event, "th").organizer_name == "India chapter"
        assert calendar_item(event, None).organizer_name == "India chapter"
        rows = render_rows("invitation", event, [Recipient(1, "a@example.org", "ja", "A")],
                           dedup=lambda r: f"k{r.member_id}", mailing="test")
        th_rows = render_rows("invitation", event, [Recipient(2, "b@example.org", "th", "B")],
                              dedup=lambda r: f"k{r.member_id}", mailing="test")
    assert "インド支部" in rows[0]["text_body"] and "インド支部" in rows[0]["html_body"]
    assert '<span lang="en">India chapter</span>' in th_rows[0]["html_body"]
    assert "India chapter" in th_rows[0]["text_body"] and "<span" not in th_rows[0]["text_body"]


# ---------------------------------------------------------------- forms
def test_organizers_give_their_chapter_names_one_field_per_language(client):
    _chapter()
    chapters.create_chapter("CN", "China chapter", ["CN"])
    db.session.commit()
    user = make_user("organizer", chapter="IN", password="a long enough passphrase")
    _login(client, user)
    page = client.get("/manage/chapters").get_data(as_text=True)
    assert "/manage/chapters/IN/names" in page and "/manage/chapters/CN/names" not in page
    assert client.get("/manage/chapters/CN/names").status_code == 403
    form = client.get("/manage/chapters/IN/names").get_data(as_text=True)
    assert 'name="name_ja"' in form and 'lang="ja"' in form and 'name="name_zh_Hans"' in form
    answer = client.post("/manage/chapters/IN/names", data={"name_ja": "x" * 201})
    assert answer.status_code == 422
    answer = client.post("/manage/chapters/IN/names", data={"name_ja": " インド支部 ", "name_th": ""})
    assert answer.status_code == 302
    chapter = db.session.scalar(db.select(chapters.Chapter).where(chapters.Chapter.code == "IN"))
    db.session.refresh(chapter)
    assert chapter.names == {"ja": "インド支部"}  # trimmed; blank = no translation


def test_the_institution_form_takes_names_in_other_languages(client):
    user = make_user("organizer", chapter=_chapter().code, password="a long enough passphrase")
    _login(client, user)
    form = client.get("/manage/institutions/new").get_data(as_text=True)
    assert 'name="name_ja"' in form
    answer = client.post("/manage/institutions/new", data={
        "name": "Tohoku University", "country": "JP", "kind": "university",
        "language": "en", "name_ja": "東北大学", "name_hi": "  "})
    assert answer.status_code == 302
    inst = institutions.find_institution("Tohoku University", "JP")
    assert inst is not None and inst.names == {"ja": "東北大学"}


# ---------------------------------------------------------------- demo data
def test_demo_chapters_and_institutions_have_japanese_names(app):
    from alumni.models import Chapter
    from alumni.services.demo import load_demo

    with app.test_request_context():
        load_demo(members=3)
        db.session.commit()
    india = db.session.scalar(db.select(Chapter).where(Chapter.code == "IN"))
    assert names.name_text(india, "ja") == "インド支部" and names.name_text(india, "hi") == "भारत चैप्टर"
    riken = institutions.find_institution("RIKEN", "JP")
    assert names.name_text(riken, "ja") == "理化学研究所"  # as the seed brochure writes it
    assert names.local_name(institutions.find_institution("Universitas Indonesia", "ID"), "id").translated


def test_chapters_create_takes_names_in_other_languages(runner):
    from alumni.models import Chapter

    r = runner.invoke(args=["chapters", "create", "IN", "--name", "India chapter", "--countries", "IN",
                            "--name-in", "ja=インド支部", "--name-in", "hi=भारत चैप्टर"])
    assert r.exit_code == 0, r.output
    chapter = db.session.scalar(db.select(Chapter))
    assert chapter.names == {"ja": "インド支部", "hi": "भारत चैप्टर"}
    r = runner.invoke(args=["chapters", "create", "CN", "--name", "China chapter", "--name-in", "xx=?"])
    assert r.exit_code != 0 and "xx" in r.output
