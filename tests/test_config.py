"""Settings read from the environment."""
from alumni.config import _base_url


def test_base_url_follows_host_and_port_unless_it_is_set(monkeypatch):
    for name in ("BASE_URL", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    assert _base_url() == "http://127.0.0.1:5000"
    monkeypatch.setenv("PORT", "5101")
    assert _base_url() == "http://127.0.0.1:5101"
    monkeypatch.setenv("HOST", "alumni.local")
    assert _base_url() == "http://alumni.local:5101"
    monkeypatch.setenv("HOST", "0.0.0.0")  # listens everywhere: loopback is an address that works here
    assert _base_url() == "http://127.0.0.1:5101"
    monkeypatch.setenv("HOST", "::1")
    assert _base_url() == "http://[::1]:5101"
    monkeypatch.setenv("BASE_URL", "https://alumni.example.org/")
    assert _base_url() == "https://alumni.example.org"
