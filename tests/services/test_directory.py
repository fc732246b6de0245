"""The directory: who appears, for whom, and the search in any script."""
from datetime import date

from alumni.services.directory import search_directory
from tests.factories import make_member, make_participation, make_user


def names(entries):
    return sorted(e.member.given_name for e in entries)


def search(viewer, **filters):
    entries, total = search_directory(viewer, **filters)
    return names(entries), total


def test_hidden_members_never_appear_nor_count(db):
    viewer = make_user("member")  # the viewer's own record is visible to others: visibility members
    make_member(given_name="Shown", visibility="members")
    make_member(given_name="Ghost", visibility="hidden")
    found, total = search(viewer)
    assert "Ghost" not in found and total == len(found)
    assert search(viewer, q="ghost") == ([], 0)


def test_public_visitors_see_only_public_members(db):
    make_member(given_name="Open", visibility="public")
    make_member(given_name="Alumni", visibility="members")
    assert search(None) == (["Open"], 1)
    viewer = make_user("member", member=make_member(given_name="Viewer", visibility="hidden"))
    assert search(viewer) == (["Alumni", "Open"], 2)
    entries, _ = search_directory(None)
    assert entries[0].full is False


def test_search_is_case_and_accent_insensitive_in_any_script(db):
    viewer = make_user("member", member=make_member(given_name="Viewer", visibility="hidden"))
    make_member(given_name="José", family_name="García")
    make_member(given_name="Hanako", family_name="Sato", native_name="佐藤 花子")
    make_member(given_name="Priya", family_name="Sharma", native_name="प्रिया शर्मा")
    make_member(given_name="Somchai", family_name="Jaidee", native_name="สมชาย ใจดี")
    assert search(viewer, q="jose")[0] == ["José"]
    assert search(viewer, q="GARCIA jose")[0] == ["José"]
    assert search(viewer, q="ｓａｔｏ")[0] == ["Hanako"]
    assert search(viewer, q="佐藤")[0] == ["Hanako"]
    assert search(viewer, q="प्रिया")[0] == ["Priya"]
    assert search(viewer, q="ใจดี")[0] == ["Somchai"]
    assert search(viewer, q="100%_")[0] == []  # LIKE wildcards are text, not patterns


def test_filters_country_programme_cohort_field(db):
    viewer = make_user("member", member=make_member(given_name="Viewer", visibility="hidden"))
    a = make_member(given_name="Asha", country="IN", field="Materials chemistry")
    b = make_member(given_name="Bola", country="NG", field="Physics")
    c = make_member(given_name="Chen", country="CN", field="Chemistry")
    make_participation(a, programme="SSP-A", start_date=date(2019, 7, 1), end_date=date(2019, 7, 7))
    # Bola's first inbound participation is FY2018 (Feb 2019): that is the cohort, not 2020.
    make_participation(b, programme="SSP-B", start_date=date(2019, 2, 1), end_date=date(2019, 2, 20))
    make_participation(b, programme="SSP-A", start_date=date(2020, 7, 1), end_date=date(2020, 7, 7))
    make_participation(c, programme="LOTUS", start_date=date(2021, 4, 1), end_date=date(2021, 9, 30))
    assert search(viewer, country="ng")[0] == ["Bola"]
    assert search(viewer, programme="SSP-A")[0] == ["Asha", "Bola"]
    assert search(viewer, cohort=2018)[0] == ["Bola"]
    assert search(viewer, cohort=2020)[0] == []
    assert search(viewer, cohort=2019)[0] == ["Asha"]
    assert search(viewer, field="chemistry")[0] == ["Asha", "Chen"]
    entries, _ = search_directory(viewer, programme="SSP-A")
    by_name = {e.member.given_name: e for e in entries}
    assert by_name["Bola"].programmes == ["SSP-A", "SSP-B"] and by_name["Bola"].cohort == 2018


def test_pages(db):
    viewer = make_user("member", member=make_member(given_name="Viewer", visibility="hidden"))
    for i in range(7):
        make_member(given_name=f"P{i}", family_name=f"F{i}")
    first, total = search_directory(viewer, page=1, per_page=3)
    last, _ = search_directory(viewer, page=3, per_page=3)
    assert total == 7 and len(first) == 3 and len(last) == 1
    assert [e.member.family_name for e in first] == ["F0", "F1", "F2"]


def test_public_visitors_cannot_filter_on_what_the_public_page_hides(db):
    """Issue 23, item 10: field= and cohort= told an anonymous visitor a public member's field
    and cohort, which the public page does not show. Their filters are the fields they see."""
    from alumni.services.directory import directory_choices, filters_for

    a = make_member(given_name="Asha", visibility="public", field="Secret chemistry")
    make_member(given_name="Bola", visibility="public", field="Physics")
    make_participation(a, programme="SSP-A", start_date=date(2019, 7, 1), end_date=date(2019, 7, 7))
    assert filters_for(None) == {"q", "country", "programme"}
    assert search(None, field="secret") == (["Asha", "Bola"], 2)  # not applied
    assert search(None, cohort=2019) == (["Asha", "Bola"], 2)
    assert search(None, programme="SSP-A") == (["Asha"], 1)  # programmes are on the public page
    viewer = make_user("member", member=make_member(given_name="Viewer", visibility="hidden"))
    assert search(viewer, field="secret") == (["Asha"], 1)
    assert search(viewer, cohort=2019) == (["Asha"], 1)
    assert directory_choices(None)["cohorts"] == []
    assert directory_choices(viewer)["cohorts"] == [2019]


def test_the_country_menu_lists_only_countries_the_viewer_can_find_someone_in(db):
    from alumni.services.directory import directory_choices

    make_member(country="IN", visibility="public")
    make_member(country="KE", visibility="members")
    make_member(country="NP", visibility="hidden")
    hidden_cohort = make_member(country="NP", visibility="hidden")
    make_participation(hidden_cohort, start_date=date(2015, 7, 1), end_date=date(2015, 7, 7))
    assert directory_choices(None)["countries"] == ["IN"]
    viewer = make_user("member", member=make_member(country="IN", visibility="hidden"))
    assert directory_choices(viewer)["countries"] == ["IN", "KE"]
    assert 2015 not in directory_choices(viewer)["cohorts"]


def test_the_public_directory_page_offers_no_hidden_filters(client, db):
    make_member(given_name="Asha", visibility="public", field="Secret chemistry", country="IN")
    make_member(given_name="Kamau", visibility="members", country="KE")
    html = client.get("/directory?field=nothing-matches").get_data(as_text=True)
    assert "Asha" in html
    assert 'name="field"' not in html and 'name="cohort"' not in html
    assert 'value="KE"' not in html and 'value="IN"' in html
