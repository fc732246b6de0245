"""A stand-in for ORCID on a loopback port: a real HTTP server (http.server, in a thread) that
answers as ORCID documents its OAuth and API v3.0, so the app's real HTTP code runs against it
with only the host changed (ORCID_BASE_URL = stand-in.url; the API is on the same host).

- GET /oauth/authorize?client_id&response_type=code&scope=/authenticate&redirect_uri&state →
  302 back to redirect_uri with ?code=…&state=… (the member "signed in and authorised").
- POST /oauth/token (client_id, client_secret, grant_type=authorization_code, code,
  redirect_uri) → {access_token, token_type, refresh_token, expires_in, scope, name, orcid};
  a used or unknown code, or another redirect_uri → 400 {"error": "invalid_grant", …}.
- GET /v3.0/{orcid}/employments and /educations with `Authorization: Bearer TOKEN` → the
  fixtures of tests/data/orcid/ (`employments-later.json` once `later` is set).

A developer can try the feature with `make run` against it (no ORCID account needed):
`python -m tests.orcid_standin --port 8765` in one terminal, then in another
`ORCID_BASE_URL=http://127.0.0.1:8765 ORCID_CLIENT_ID=APP-STANDIN0000000
ORCID_CLIENT_SECRET=stand-in-secret make run` (docs/operations.md, "ORCID").

Switches (attributes, set by a test): `revoked` (the API answers 401 invalid_token, as after
the member revoked our access), `malformed` (a truncated JSON body), `wrong_shape` (JSON that
is not an affiliation list), `delay` (seconds before answering the API), `later`.
"""
from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

DATA = Path(__file__).parent / "data" / "orcid"
ORCID_ID = "0000-0002-1825-0097"
CLIENT_ID = "APP-STANDIN0000000"
CLIENT_SECRET = "stand-in-secret"


class OrcidStandIn:
    def __init__(self, orcid: str = ORCID_ID, name: str = "Josiah Carberry", port: int = 0) -> None:
        self.orcid = orcid
        self.name = name
        self.revoked = False
        self.malformed = False
        self.wrong_shape = False
        self.later = False
        self.delay = 0.0
        self.codes: dict[str, str] = {}  # code → the redirect_uri it was issued for
        self.tokens: set[str] = set()
        self.requests: list[str] = []  # "METHOD path" of every request, in order
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> OrcidStandIn:
        self.thread = threading.Thread(target=self.server.serve_forever, name="orcid-stand-in", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        self.orcid = ORCID_ID
        self.revoked = self.malformed = self.wrong_shape = self.later = False
        self.delay = 0.0
        self.requests.clear()

    # --- answers ---------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code" \
                or query.get("scope") != "/authenticate" or not query.get("redirect_uri"):
            return 400, {"Content-Type": "text/plain"}, b"invalid authorization request"
        code = secrets.token_hex(3)  # ORCID's codes are six characters
        self.codes[code] = query["redirect_uri"]
        back = {"code": code, **({"state": query["state"]} if "state" in query else {})}
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}, b""

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _json(401, {"error": "invalid_client", "error_description": "Client not found"})
        redirect = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or redirect is None or redirect != form.get("redirect_uri"):
            return _json(400, {"error": "invalid_grant",
                               "error_description": f"Invalid authorization code: {form.get('code')}"})
        token = secrets.token_hex(16)
        self.tokens.add(token)
        return _json(200, {"access_token": token, "token_type": "bearer", "refresh_token": secrets.token_hex(16),
                           "expires_in": 631138518, "scope": "/authenticate", "name": self.name,
                           "orcid": self.orcid})

    def record(self, path: str, authorization: str) -> tuple[int, dict[str, str], bytes]:
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "v3.0" or parts[2] not in ("employments", "educations"):
            return _json(404, {"response-code": 404, "developer-message": "Not found"})
        if parts[1] != self.orcid:
            return _json(404, {"response-code": 404, "developer-message": f"ORCID iD {parts[1]} not found"})
        token = authorization.removeprefix("Bearer ").strip()
        if self.revoked or token not in self.tokens:
            return _json(401, {"error": "invalid_token", "error_description": f"Invalid access token: {token}"})
        time.sleep(self.delay)
        if self.malformed:
            return 200, {"Content-Type": "application/vnd.orcid+json"}, b'{"affiliation-group": [{"summaries": [{'
        if self.wrong_shape:
            return _json(200, {"affiliation-group": {"summaries": "none"}})
        name = "employments-later" if parts[2] == "employments" and self.later else parts[2]
        body = (DATA / f"{name}.json").read_bytes()
        return 200, {"Content-Type": "application/vnd.orcid+json;charset=UTF-8"}, body


def _json(status: int, body: object) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json;charset=UTF-8"}, json.dumps(body).encode()


def _handler(standin: OrcidStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args) -> None:  # quiet: tests read `standin.requests`
            pass

        def _send(self, answer: tuple[int, dict[str, str], bytes]) -> None:
            status, headers, body = answer
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            split = urlsplit(self.path)
            standin.requests.append(f"GET {split.path}")
            if split.path == "/oauth/authorize":
                self._send(standin.authorize({k: v[0] for k, v in parse_qs(split.query).items()}))
            else:
                # the client may have given up waiting (a timeout test)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._send(standin.record(split.path, self.headers.get("Authorization", "")))

        def do_POST(self) -> None:
            split = urlsplit(self.path)
            standin.requests.append(f"POST {split.path}")
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if split.path == "/oauth/token":
                self._send(standin.token(form))
            else:
                self._send(_json(404, {"error": "not_found"}))

    return Handler


def sign_in(authorize_url: str) -> str:
    """What a browser does at ORCID's sign-in page: GET it (over HTTP) and return where ORCID
    sends the member back (the Location of its redirect), without following it."""
    import http.client

    split = urlsplit(authorize_url)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=5)
    try:
        connection.request("GET", f"{split.path}?{split.query}")
        response = connection.getresponse()
        response.read()
        assert response.status == 302, f"the stand-in refused the sign-in: {response.status}"
        return response.getheader("Location")
    finally:
        connection.close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="A stand-in for ORCID (OAuth and API v3.0) on loopback.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--later", action="store_true", help="the record with one more employment (put-code 1003)")
    port = parser.parse_args().port
    standin = OrcidStandIn(port=port)
    standin.later = parser.parse_args().later
    print(f"ORCID stand-in on {standin.url} (iD {standin.orcid}). Run the app with:\n"
          f"  ORCID_BASE_URL={standin.url} ORCID_CLIENT_ID={CLIENT_ID} ORCID_CLIENT_SECRET={CLIENT_SECRET} make run")
    try:
        standin.server.serve_forever()
    except KeyboardInterrupt:
        standin.server.server_close()
