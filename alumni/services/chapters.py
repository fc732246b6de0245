"""Alumni chapters."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from alumni.errors import NotFound
from alumni.extensions import db
from alumni.i18n import _
from alumni.models import Chapter, ChapterCountry, Role, User
from alumni.services import audit
from alumni.services import validation as v
from alumni.services.names import CHAPTER_NAME_LENGTH, clean_names


def get_chapter(code: str) -> Chapter:
    chapter = db.session.scalar(select(Chapter).where(Chapter.code == (code or "").strip().upper()))
    if chapter is None:
        raise NotFound(_("There is no chapter %(code)s.", code=code), field="chapter")
    return chapter


def create_chapter(code: str, name: str, countries: list[str] | None = None, *,
                   actor: User | None = None, language: str = "en",
                   names: dict[str, str] | None = None) -> tuple[Chapter, bool]:
    """The chapter with this code, created if new (`name` in `language`, `names` in others).
    Running it again with the same code changes nothing and answers (chapter, False)."""
    code = v.text(code, "code", required=True, max_length=32).upper()
    name = v.text(name, "name", required=True, max_length=CHAPTER_NAME_LENGTH)
    language = v.language(language, "language")
    other_names = clean_names(names, language, CHAPTER_NAME_LENGTH)
    codes = sorted({v.country(c, "countries") for c in (countries or []) if c and c.strip()})
    existing = db.session.scalar(select(Chapter).where(Chapter.code == code))
    if existing is not None:
        return existing, False
    chapter = Chapter(code=code, name=name, language=language, names=other_names,
                      country_rows=[ChapterCountry(country=c) for c in codes])
    db.session.add(chapter)
    db.session.flush()
    audit.record(actor, "chapter.created", subject=chapter,
                 changes={"code": [None, code], "name": [None, name], "countries": [None, codes]})
    return chapter, True


def list_chapters() -> Select[Chapter]:
    return select(Chapter).order_by(Chapter.code)


def chapter_rows() -> list[tuple[str, str, list[str], int]]:
    """Every chapter as (code, name, countries, number of organizer accounts), by code."""
    counts: dict[int | None, int] = {}
    for chapter_id, n in db.session.execute(
            select(User.chapter_id, func.count(User.id)).where(User.role == Role.organizer).group_by(User.chapter_id)):
        counts[chapter_id] = n
    chapters = db.session.scalars(list_chapters().options(selectinload(Chapter.country_rows)))
    return [(c.code, c.name, c.countries, counts.get(c.id, 0)) for c in chapters]
