"""Finding members recorded twice: candidate pairs, each with a score (0–1) and its reasons.

Signals: a shared address (the member's email, a pending new one, their account's and the
aliases kept by earlier merges, all compared lower-cased); the same name across scripts and
orders — names are romanized with `anyascii` (ISC), so 张伟 meets "Wei Zhang" and प्रिया शर्मा
meets "Priya Sharma"; Japanese is read first with SudachiPy (Apache-2.0), so 佐藤花子 meets "Sato
Hanako"; abjad and Thai spellings are compared by their consonant skeleton ("mhmd ly" / "Mohamed
Ali"); spelling slips by `rapidfuzz` (MIT) ratios. The same country and an
overlapping participation (same programme and fiscal year, or dates that overlap) support a name.

Blocking keeps it linear: each member gets a few keys (`blocking_keys`) and only members sharing
a key are compared.
A block larger than `MAX_BLOCK` (a very common name in one country) is left out: it says nothing
alone. Known limit: kanji are read as Japanese only for members from Japan (or writing Japanese);
a name's rarer reading (名乗り) may not be the one in the dictionary.
"""
from __future__ import annotations

import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import combinations
from typing import Any

from anyascii import anyascii
from rapidfuzz.distance import Indel
from sqlalchemy import func, or_, select
from sudachipy import Dictionary, Tokenizer

from alumni.extensions import db
from alumni.i18n import _l
from alumni.models import Member, MemberEmail, Participation, User
from alumni.services import audit

#: Reason codes (stable, in the API) and their labels (pages).
REASONS = {
    "same_email": _l("Same email address, ignoring case"),
    "other_email": _l("One's address is another address of the other"),
    "same_name": _l("Same name"),
    "name_other_script": _l("Same name in another script"),
    "family_first_order": _l("Same name, family name first"),
    "similar_spelling": _l("Similar spelling"),
    "same_country": _l("Same country"),
    "same_participation": _l("Same participation (programme and start date)"),
    "overlapping_participation": _l("Overlapping participation"),
}
#: Pairs at or above this score are listed by default: a shared address, or a name with the same
#: country and the same participation. Namesakes in one country whose stays merely overlap
#: (0.85) or do not (0.7) are listed only when asked for with a lower --min-score.
DEFAULT_MIN_SCORE = 0.9
#: A new account's record has no participation: its pairs are noted from the same name (any
#: script or order) in the same country.
SIGN_UP_MIN_SCORE = 0.7
#: Below this name similarity two members are not the same person unless an address says so.
NAME_THRESHOLD = 0.84
#: Two stays of one programme starting within this many days are one participation recorded twice.
SAME_START_DAYS = 3
MAX_BLOCK = 400
_VOWELS = re.compile(r"[aeiouyw]+")
_CAMEL = re.compile(r"[A-Z][a-z]*|[a-z0-9]+")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_JAPANESE_LONG = re.compile(r"(?<=[ou])u")


@dataclass
class Profile:
    """What the finder compares of one member: romanized name tokens, the compact name forms with
    their consonant skeletons (computed once), addresses, country and stays."""

    id: int
    emails: dict[str, bool] = field(default_factory=dict)  # address → is it the member's own
    given: list[str] = field(default_factory=list)
    family: list[str] = field(default_factory=list)
    native: list[str] = field(default_factory=list)
    latin_script: bool = True
    country: str = ""
    stays: list[tuple[str, int, date, date]] = field(default_factory=list)
    forms: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, compact, skeleton)


@dataclass(frozen=True)
class Candidate:
    member_ids: tuple[int, int]
    score: float
    reasons: tuple[str, ...]

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[r]) for r in self.reasons]


# ---------------------------------------------------------------- names
@cache
def _japanese() -> Tokenizer:
    return Dictionary(dict="core").tokenizer()


def japanese_reading(text: str) -> str:
    """Kanji and kana as read (SudachiPy, Apache-2.0): 佐藤花子 → "サトウ ハナコ"."""
    return " ".join(m.reading_form() for m in _japanese().tokenize(text))


def romanized_tokens(text: str, japanese: bool = False) -> list[str]:
    """`text` in Latin letters, lower case, as words ("张伟" → ["zhang", "wei"]). Japanese (kana,
    or kanji of a member from Japan) is read first and its long vowels shortened as in Hepburn
    ("サトウ" → "sato"); other scripts are romanized by anyascii (ISC)."""
    if not text:
        return []
    text = unicodedata.normalize("NFKC", text)
    reading = _KANA.search(text) or (japanese and _HAN.search(text))
    if reading:
        text = japanese_reading(text)
    words: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", anyascii(text)):
        parts = _CAMEL.findall(chunk) if not text.isascii() else [chunk]
        words.extend(w.lower() for w in parts if w)
    return [_JAPANESE_LONG.sub("", w) for w in words] if reading else words


def skeleton(word: str) -> str:
    """The consonants of a romanized word, doubled letters once, h, w and y dropped, q read as k:
    abjads and Thai write few vowels ("hsn" / "hassan" → "sn", "trq" / "tarek" → "trk")."""
    bare = _VOWELS.sub("", word.replace("h", "").replace("q", "k"))
    return re.sub(r"(.)\1+", r"\1", bare)


def is_latin(text: str) -> bool:
    return all(not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN") for ch in text)


def _forms(p: Profile) -> list[tuple[str, str, str]]:
    """(kind, compact name, skeleton): given+family, family+given, and the native name."""
    forms = [("gf", "".join(p.given + p.family)), ("fg", "".join(p.family + p.given))]
    if p.native:
        forms.append(("native", "".join(p.native)))
    return [(k, f, skeleton(f)) for k, f in forms if f]


def name_similarity(a: Profile, b: Profile) -> tuple[float, str]:
    """(0–1, reason) of the best-matching forms of the two names; consonant skeletons that are
    (nearly) the same count as 0.9 (0.86) — romanizations of abjads and Thai differ in vowels."""
    best, reason = 0.0, ""
    for kind_a, form_a, skel_a in a.forms:
        for kind_b, form_b, skel_b in b.forms:
            ratio = Indel.normalized_similarity(form_a, form_b)
            if ratio < 0.9 and len(skel_a) >= 3:
                skel = Indel.normalized_similarity(skel_a, skel_b)
                ratio = max(ratio, 0.9 if skel == 1.0 else 0.86 if skel >= 0.85 and len(skel_a) >= 5 else 0)
            if ratio > best:
                best, reason = ratio, _name_reason(kind_a, kind_b, ratio)
    if best >= NAME_THRESHOLD and a.latin_script != b.latin_script:
        reason = "name_other_script"
    return best, reason


def _name_reason(kind_a: str, kind_b: str, ratio: float) -> str:
    if "native" in (kind_a, kind_b) and kind_a != kind_b:
        return "name_other_script"
    if ratio < 1.0:
        return "similar_spelling"
    return "same_name" if kind_a == kind_b or "native" in (kind_a, kind_b) else "family_first_order"


# ---------------------------------------------------------------- loading
def _profile(row: Any) -> Profile:
    """A member's profile from a row of `load_profiles`' columns."""
    japanese = row.country == "JP" or row.preferred_language == "ja"
    given, family = romanized_tokens(row.given_name, japanese), romanized_tokens(row.family_name, japanese)
    if row.family_name_first and not row.family_name:
        given, family = [], given
    p = Profile(id=row.id, given=given, family=family, native=romanized_tokens(row.native_name, japanese),
                latin_script=is_latin(row.given_name + row.family_name), country=row.country or "")
    p.forms = _forms(p)
    p.emails[row.email.lower()] = True
    if row.pending_email:
        p.emails.setdefault(row.pending_email.lower(), False)
    return p


def load_profiles(member_ids: Iterable[int] | None = None, countries: Iterable[str] | None = None) -> dict[int, Profile]:
    """Profiles of every member (or of those in `member_ids` or `countries`), with their other
    addresses and their participations; a handful of queries whatever the count."""
    members = select(Member.id, Member.email, Member.pending_email, Member.given_name, Member.family_name,
                     Member.native_name, Member.family_name_first, Member.country, Member.preferred_language)
    if member_ids is not None or countries is not None:
        members = members.where(or_(Member.id.in_(list(member_ids or [])), Member.country.in_(list(countries or []))))
    profiles = {row.id: _profile(row) for row in db.session.execute(members)}
    ids = list(profiles)
    for member_id, email in _other_addresses():
        if member_id in profiles:
            profiles[member_id].emails.setdefault(email.lower(), False)
    stays = select(Participation.member_id, Participation.programme_code, Participation.fiscal_year,
                   Participation.start_date, Participation.end_date)
    if len(ids) < 5000:
        stays = stays.where(Participation.member_id.in_(ids))
    for member_id, code, fy, start, end in db.session.execute(stays):
        if member_id in profiles:
            profiles[member_id].stays.append((code, fy, start, end))
    return profiles


def _other_addresses() -> Iterator[tuple[int, str]]:
    yield from db.session.execute(select(User.member_id, User.email).where(User.member_id.is_not(None)))  # type: ignore[misc]
    yield from db.session.execute(select(MemberEmail.member_id, MemberEmail.email))


# ---------------------------------------------------------------- blocking and scoring
def blocking_keys(p: Profile) -> set[str]:
    """Each address; each whole name form and its consonant skeleton (other scripts, orders);
    each name token, and its skeleton, with the first letter of another (one slip elsewhere in
    the name) — all within the member's country."""
    keys = {f"e:{email}" for email in p.emails}
    for _kind, form, skel in p.forms:
        keys.add(f"c:{p.country}:{form}")
        if len(skel) >= 3:
            keys.add(f"k:{p.country}:{skel}")
    for words in (p.given + p.family, p.native):
        skels = [skeleton(w) for w in words]
        for i, token in enumerate(words):
            for j, other in enumerate(words):
                if i != j and len(token) >= 2:
                    keys.add(f"p:{p.country}:{token}|{other[:1]}")
                if i != j and len(skels[i]) >= 2:
                    keys.add(f"q:{p.country}:{skels[i]}|{skels[j][:1]}")
    return keys


def candidate_pairs(profiles: dict[int, Profile], focus: set[int] | None = None) -> set[tuple[int, int]]:
    """Pairs of ids (lower first) sharing a blocking key; with `focus`, only pairs with one of them."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for p in profiles.values():
        for key in blocking_keys(p):
            blocks[key].append(p.id)
    pairs: set[tuple[int, int]] = set()
    for key, ids in blocks.items():
        if len(ids) < 2 or (len(ids) > MAX_BLOCK and not key.startswith("e:")):
            continue
        for a, b in combinations(sorted(ids), 2):
            if focus is None or a in focus or b in focus:
                pairs.add((a, b))
    return pairs


def shared_stay(a: Profile, b: Profile) -> float:
    """1 for one participation recorded for both (the same programme, starting within
    SAME_START_DAYS), 0.5 for stays in Japan at overlapping dates, else 0."""
    best = 0.0
    for pa, _fa, sa, ea in a.stays:
        for pb, _fb, sb, eb in b.stays:
            if pa == pb and abs((sa - sb).days) <= SAME_START_DAYS:
                return 1.0
            if sa <= eb and sb <= ea:
                best = 0.5
    return best


def score_pair(a: Profile, b: Profile) -> Candidate | None:
    """The pair's score and reasons; None when nothing says they are one person. A name counts
    0.5 × its similarity, the same country 0.2, the same participation 0.3 (overlapping stays
    0.15); a shared address makes it at least 0.9."""
    reasons: list[str] = []
    shared = set(a.emails) & set(b.emails)
    if shared:
        own = any(a.emails[e] and b.emails[e] for e in shared)
        reasons.append("same_email" if own else "other_email")
    similarity, name_reason = name_similarity(a, b)
    if similarity < NAME_THRESHOLD and not shared:
        return None
    if similarity >= NAME_THRESHOLD:
        reasons.append(name_reason)
    same_country = bool(a.country) and a.country == b.country
    stay = shared_stay(a, b)
    reasons += ["same_country"] if same_country else []
    reasons += ["same_participation"] if stay == 1.0 else ["overlapping_participation"] if stay else []
    points = 0.5 * (similarity if similarity >= NAME_THRESHOLD else 0) + 0.2 * same_country + 0.3 * stay
    if shared:
        points = 0.9 + 0.1 * points
    return Candidate((a.id, b.id), round(min(points, 1.0), 3), tuple(reasons))


def find_duplicates(min_score: float = DEFAULT_MIN_SCORE, member_ids: Iterable[int] | None = None) -> list[Candidate]:
    """Candidate pairs, best first; with `member_ids`, only the pairs involving those members
    (compared with the members of their countries and their addresses)."""
    focus = set(member_ids) if member_ids is not None else None
    if focus is not None:
        countries = {c for c in db.session.scalars(select(Member.country).where(Member.id.in_(focus))) if c}
        profiles = load_profiles(focus | _address_matches(focus), countries)
    else:
        profiles = load_profiles()
    found = (score_pair(profiles[a], profiles[b]) for a, b in candidate_pairs(profiles, focus))
    pairs = [c for c in found if c is not None and c.score >= min_score]
    pairs.sort(key=lambda c: (-c.score, c.member_ids))
    return pairs


def _address_matches(member_ids: set[int]) -> set[int]:
    """Members whose own address is one of the given members' (any case)."""
    emails = {e.lower() for e in db.session.scalars(select(Member.email).where(Member.id.in_(member_ids)))}
    found = db.session.scalars(select(Member.id).where(Member.email.in_(emails)))
    return set(found)


def note_possible_duplicates(member: Member) -> list[Candidate]:
    """At sign-up, claim and when a member completes their name or country: the pairs this member
    now forms, recorded in the audit log for staff ("member.possible_duplicate"; the duplicates
    page lists them with a lower minimum score). A new account has no participation yet, so the
    bar is the same name in the same country (`SIGN_UP_MIN_SCORE`). The member is told nothing
    about anyone else. Flushes only."""
    found = find_duplicates(SIGN_UP_MIN_SCORE, member_ids=[member.id])
    if found:
        audit.record(None, "member.possible_duplicate", member=member, subject=member, changes={
            "candidates": [None, [{"member_ids": list(c.member_ids), "score": c.score, "reasons": list(c.reasons)}
                                  for c in found]]})
    return found


#: An import creating more members than this is checked as a whole by `find_duplicates()`.
IMPORT_CHECK_LIMIT = 5000


def pairs_of_new_members(after_id: int) -> list[Candidate] | None:
    """The pairs involving members with ids above `after_id` (those an import just created);
    None when there are more than IMPORT_CHECK_LIMIT of them (check them all at once instead)."""
    ids = list(db.session.scalars(select(Member.id).where(Member.id > after_id).limit(IMPORT_CHECK_LIMIT + 1)))
    if len(ids) > IMPORT_CHECK_LIMIT:
        return None
    return find_duplicates(member_ids=ids) if ids else []


#: The staff page and the API page through one list: computed once per state of the data (and at
#: most this old), not once per page. Per process; any worker recomputes after a change it sees.
CACHE_SECONDS = 300
_cache: dict[float, tuple[float, tuple[Any, ...], list[Candidate]]] = {}


def _fingerprint() -> tuple[Any, ...]:
    """What changes when anything the finder reads changes (participation dates aside: CACHE_SECONDS)."""
    members = db.session.execute(select(func.count(Member.id), func.max(Member.updated_at))).one()
    stays = db.session.execute(select(func.count(Participation.id), func.max(Participation.id))).one()
    aliases = db.session.execute(select(func.count(MemberEmail.id), func.max(MemberEmail.id))).one()
    linked = db.session.scalar(select(func.count(User.id)).where(User.member_id.is_not(None)))
    return (*members, *stays, *aliases, linked)


def listed_duplicates(min_score: float = DEFAULT_MIN_SCORE) -> list[Candidate]:
    """`find_duplicates(min_score)`, reused while the data is unchanged (pages, API)."""
    key = _fingerprint()
    hit = _cache.get(min_score)
    if hit is not None and hit[1] == key and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[2]
    found = find_duplicates(min_score)
    _cache.clear()  # one list kept: the last asked for
    _cache[min_score] = (time.monotonic(), key, found)
    return found
