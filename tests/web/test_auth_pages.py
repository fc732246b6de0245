"""Login and logout through the test client."""
from tests.factories import make_user


def submit_login(client, email, password, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_login_then_logout(client):
    make_user("staff", email="hq@example.org", password="a long enough passphrase")
    r = submit_login(client, "hq@example.org", "a long enough passphrase")
    assert r.status_code == 302
    assert "Log out" in client.get("/").get_data(as_text=True)
    r = client.post("/logout")
    assert r.status_code == 302
    assert "Log in" in client.get("/").get_data(as_text=True)


def test_unknown_email_and_wrong_password_answer_alike(client):
    make_user("staff", email="hq@example.org", password="a long enough passphrase")
    a = submit_login(client, "hq@example.org", "not the password")
    b = submit_login(client, "nobody@example.org", "not the password")
    assert a.status_code == b.status_code == 422
    assert "do not match" in a.get_data(as_text=True) and "do not match" in b.get_data(as_text=True)


def test_next_never_leaves_the_site(client):
    make_user("staff", email="hq@example.org", password="a long enough passphrase")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = client.post(f"/login?next={target}", data={"email": "hq@example.org",
                                                       "password": "a long enough passphrase"})
        assert r.headers["Location"] == "/", target
        client.post("/logout")
    r = client.post("/login?next=/me", data={"email": "hq@example.org", "password": "a long enough passphrase"})
    assert r.headers["Location"] == "/me"


def test_password_change_ends_the_old_session(client, db):
    from alumni.services.accounts import set_password

    user = make_user("staff", email="hq@example.org", password="a long enough passphrase")
    submit_login(client, "hq@example.org", "a long enough passphrase")
    assert "Log out" in client.get("/").get_data(as_text=True)
    set_password(user, "a brand new passphrase")
    db.session.commit()
    assert "Log in" in client.get("/").get_data(as_text=True)


def test_language_switcher_keeps_the_page(client):
    r = client.get("/language?lang=ja&next=/login")
    assert r.headers["Location"] == "/login"
    assert 'lang="ja"' in client.get("/login").get_data(as_text=True)
    r = client.get("/language?lang=ar&next=https://evil.example")
    assert r.headers["Location"] == "/"
    assert 'dir="rtl"' in client.get("/").get_data(as_text=True)
