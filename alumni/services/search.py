"""Folding of names for search: any script, case- and accent-insensitive."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """NFKC (full-width ｓａｔｏ → sato), case-fold, then drop combining marks of Latin letters
    (José → jose) while keeping those that are letters in their own scripts (Devanagari vowel
    signs, Thai, Arabic harakat are kept: they distinguish words there)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def member_search_key(*names: str) -> str:
    return " ".join(fold(n) for n in names if n)
