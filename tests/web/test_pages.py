"""Pages answer, errors render a helpful page, never a bare 500."""
from tests.factories import make_member


def test_home_page_shows_the_club_in_numbers(client):
    make_member()
    r = client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Sakura Science Club" in html and 'lang="en"' in html


def test_unknown_page_is_a_helpful_404(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert "Back to the home page" in r.get_data(as_text=True)


def test_home_page_in_japanese_from_accept_language(client):
    r = client.get("/", headers={"Accept-Language": "ja,en;q=0.5"})
    assert 'lang="ja"' in r.get_data(as_text=True)
