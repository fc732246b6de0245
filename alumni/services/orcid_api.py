"""ORCID over HTTP: the OAuth authorisation (scope /authenticate), the token exchange, and a
record's employments and educations read from the API v3.0 — and nothing else.

Every call is a real HTTP request (urllib, with a timeout); tests point ORCID_BASE_URL at a
stand-in on loopback (tests/orcid_standin.py), so only the host differs. Answers are checked
shape by shape: anything unexpected raises `Unavailable` with a message for the member, and
nothing of that answer is used. A 401 from the API (the member revoked our access on ORCID)
raises `OrcidRevoked`.
"""
from __future__ import annotations

import calendar
import http.client
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import current_app

from alumni.errors import Invalid, ServiceError, Unavailable
from alumni.i18n import _
from alumni.services import validation as v
from alumni.services.urls import external_url

ORCID_ID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
#: The two sections imported; their put-codes share one numbering within an ORCID record.
SECTIONS = ("employment", "education")
SCOPE = "/authenticate"
#: ORCID answers JSON for this type (its documented v3.0 media type).
ORCID_JSON = "application/vnd.orcid+json"


class OrcidRevoked(ServiceError):
    """ORCID refused our token: the member revoked the access, or it expired."""
    status = 401
    code = "orcid_revoked"


@dataclass(frozen=True)
class Affiliation:
    """One employment or education as ORCID holds it."""
    put_code: int
    section: str
    organisation: str
    #: ISO 3166-1 alpha-2 as ORCID gives it (ORCID requires a country on every organisation).
    country: str
    #: The bare ROR id ("057zh3y96") when ORCID disambiguates the organisation by ROR.
    ror_id: str | None
    role_title: str
    department: str
    start: date | None
    end: date | None


@dataclass(frozen=True)
class Token:
    orcid: str
    access_token: str
    name: str


def is_configured() -> bool:
    config = current_app.config
    return bool(config.get("ORCID_BASE_URL") and config.get("ORCID_CLIENT_ID") and config.get("ORCID_CLIENT_SECRET"))


def api_url() -> str:
    """Where records are read: ORCID_API_URL (with or without its /v3.0), else the public API host
    that goes with ORCID_BASE_URL (orcid.org → pub.orcid.org), else the base URL itself."""
    explicit = str(current_app.config.get("ORCID_API_URL") or "").rstrip("/")
    if explicit:
        return explicit.removesuffix("/v3.0")
    base = str(current_app.config["ORCID_BASE_URL"]).rstrip("/")
    parts = urlsplit(base)
    if parts.hostname in ("orcid.org", "www.orcid.org", "sandbox.orcid.org"):
        return f"https://pub.{parts.hostname.removeprefix('www.')}"
    return base


def is_valid_orcid(value: str) -> bool:
    """The form of an iD and its ISO 7064 MOD 11-2 check character."""
    if not ORCID_ID.match(value):
        return False
    total = 0
    for digit in value.replace("-", "")[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    return value[-1] == ("X" if check == 10 else str(check))


def display_url(orcid: str) -> str:
    """The iD as ORCID's display guidelines show it: the full https URL (sandbox iDs on the sandbox)."""
    host = urlsplit(str(current_app.config.get("ORCID_BASE_URL") or "")).hostname
    return f"https://{'sandbox.orcid.org' if host == 'sandbox.orcid.org' else 'orcid.org'}/{orcid}"


def redirect_uri() -> str:
    return external_url("orcid.callback")


def authorize_url(state: str) -> str:
    """ORCID's sign-in page; it sends the member back to `redirect_uri()` with a code and `state`."""
    query = urlencode({"client_id": current_app.config["ORCID_CLIENT_ID"], "response_type": "code",
                       "scope": SCOPE, "redirect_uri": redirect_uri(), "state": state})
    return f"{current_app.config['ORCID_BASE_URL']}/oauth/authorize?{query}"


def exchange_code(code: str) -> Token:
    """The token and iD ORCID gives for the code of a completed sign-in."""
    body = urlencode({"client_id": current_app.config["ORCID_CLIENT_ID"],
                      "client_secret": current_app.config["ORCID_CLIENT_SECRET"],
                      "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri()}).encode()
    url = f"{current_app.config['ORCID_BASE_URL']}/oauth/token"
    try:
        data = _call(urllib.request.Request(url, data=body, method="POST", headers={
            "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}))
    except OrcidRevoked:
        raise Unavailable(_("ORCID did not accept the sign-in (it may have been used already). Please link again.")) \
            from None
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str) or not data["access_token"] \
            or not isinstance(data.get("orcid"), str) or not is_valid_orcid(data["orcid"]) \
            or len(data["access_token"]) > 200:
        raise _malformed()
    name = data.get("name") if isinstance(data.get("name"), str) else ""
    return Token(orcid=data["orcid"], access_token=data["access_token"], name=(name or "")[:300])


def fetch_affiliations(orcid: str, access_token: str) -> list[Affiliation]:
    """The record's employments then educations, or an error if either cannot be read whole."""
    found: list[Affiliation] = []
    for section in SECTIONS:
        request = urllib.request.Request(f"{api_url()}/v3.0/{orcid}/{section}s", headers={
            "Accept": ORCID_JSON, "Authorization": f"Bearer {access_token}"})
        found.extend(parse_affiliations(_call(request), section))
    return found


def _call(request: urllib.request.Request) -> Any:
    """JSON from ORCID; 401 → OrcidRevoked; any other failure → Unavailable."""
    timeout = float(current_app.config.get("ORCID_TIMEOUT", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(5 * 1024 * 1024 + 1)
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 401:
            raise OrcidRevoked(_("ORCID no longer lets us read your record: the access was revoked or has expired. "
                                 "Please link your ORCID iD again.")) from None
        if error.code == 404:
            raise Unavailable(_("ORCID does not know this iD any more. Please link your ORCID iD again.")) from None
        raise Unavailable(_("ORCID answered with an error (HTTP %(status)s). Please try again later.",
                            status=error.code)) from None
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException):
        raise Unavailable(_("ORCID could not be reached. Please try again later.")) from None
    if len(raw) > 5 * 1024 * 1024:
        raise _malformed()
    try:
        return json.loads(raw)
    except ValueError:
        raise _malformed() from None


def _malformed() -> Unavailable:
    return Unavailable(_("ORCID sent an answer we could not read. Nothing was saved. Please try again later."))


class _Shape(Exception):
    """The answer is not what ORCID documents."""


def parse_affiliations(data: Any, section: str) -> list[Affiliation]:
    """Affiliations from a v3.0 `/employments` or `/educations` answer (affiliation-group →
    summaries → {section}-summary); an unexpected shape raises Unavailable."""
    try:
        groups = _get(data, "affiliation-group", list, default=[])
        return [_affiliation(_get(summary, f"{section}-summary", dict), section)
                for group in groups for summary in _get(group, "summaries", list, default=[])]
    except _Shape:
        raise _malformed() from None


def _get(data: Any, key: str, kind: type, *, default: Any = ..., nullable: bool = False) -> Any:
    if not isinstance(data, dict):
        raise _Shape(key)
    value = data.get(key)
    if value is None and (default is not ... or nullable):
        return None if nullable else default
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _Shape(key)
    return value


def _affiliation(summary: dict[str, Any], section: str) -> Affiliation:
    organisation = _get(summary, "organization", dict)
    address = _get(organisation, "address", dict)
    country = _get(address, "country", str).strip().upper()
    name = " ".join(_get(organisation, "name", str).split())
    if not name or not re.fullmatch(r"[A-Z]{2}", country):
        raise _Shape("organization")
    return Affiliation(
        put_code=_get(summary, "put-code", int), section=section, organisation=name[:300], country=country,
        ror_id=_ror_id(_get(organisation, "disambiguated-organization", dict, nullable=True)),
        role_title=(_get(summary, "role-title", str, nullable=True) or "").strip(),
        department=(_get(summary, "department-name", str, nullable=True) or "").strip(),
        start=_fuzzy_date(_get(summary, "start-date", dict, nullable=True), end=False),
        end=_fuzzy_date(_get(summary, "end-date", dict, nullable=True), end=True),
    )


def _ror_id(disambiguated: dict[str, Any] | None) -> str | None:
    if disambiguated is None:
        return None
    source = _get(disambiguated, "disambiguation-source", str)
    identifier = _get(disambiguated, "disambiguated-organization-identifier", str)
    if source.upper() != "ROR":
        return None
    return normal_ror_id(identifier)


def normal_ror_id(value: str) -> str | None:
    """"https://ror.org/057zh3y96", "ror.org/057zh3y96" or "057zh3y96" → "057zh3y96"; None for
    anything else."""
    try:
        return v.ror_id(value)
    except Invalid:
        return None


def _fuzzy_date(value: dict[str, Any] | None, *, end: bool) -> date | None:
    """ORCID's {year, month, day} (each {"value": "2019"} or null): a missing month or day is the
    first of the period for a start and its last for an end. No year: no date."""
    if value is None:
        return None
    parts = []
    for key in ("year", "month", "day"):
        part = _get(value, key, dict, nullable=True)
        text = _get(part, "value", str) if part is not None else None
        if text is not None and not text.isdigit():
            raise _Shape(key)
        parts.append(int(text) if text is not None else None)
    year, month, day = parts
    if year is None:
        return None
    month = month or (12 if end else 1)
    try:
        return date(year, month, day or (calendar.monthrange(year, month)[1] if end else 1))
    except ValueError:
        raise _Shape("date") from None
