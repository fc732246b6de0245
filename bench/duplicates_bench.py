"""Duplicate finder benchmark (issue 21): the 43,000-member file imported, 500 duplicates planted
(125 each: another address; the name in its native script; family name first; a typo), then
`flask --app wsgi members duplicates` run as staff would run it.

    python -m bench.duplicates_bench --database-url postgresql+psycopg://postgres@127.0.0.1:5432/alumni_dupes

Reports recall (planted pairs found, ≥ 95%), false pairs among the top 600 (≤ 5%) and the
command's wall time (< 60 s). Every planted duplicate copies its original's participation (the
same stay imported twice) and keeps its country; its true pair is recorded and compared.
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

import sqlalchemy as sa

from bench.import_bench import ROOT, _env, reset_database, timed_import
from bench.make_dataset import NAME_POOLS, write_members_csv

KINDS = ("other_email", "native_script", "family_first", "typo")
PLANTED = 500
SEED = 21


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeioustrn".replace(word[i], "")) + word[i + 1:]


def _native_parts(country: str, given: str, family: str) -> tuple[str, str] | None:
    pool = NAME_POOLS.get(country)
    if pool is None:
        return None
    native_given, native_family = dict(pool[0]).get(given), dict(pool[1]).get(family)
    if not native_given or not native_family or native_given == given:
        return None
    return native_given, native_family


def _duplicate_of(rng: random.Random, kind: str, m: dict, n: int) -> tuple[dict, dict]:
    """(the duplicate's member values, changes to the original) for one planted pair."""
    dup = {**m, "email": f"planted{n}.{kind}@mail.example.net", "search_key": ""}
    original: dict = {}
    if kind == "native_script":
        native_given, native_family = _native_parts(m["country"], m["given_name"], m["family_name"])
        family_first = NAME_POOLS[m["country"]][2]
        dup.update(given_name=native_given, family_name=native_family, family_name_first=family_first)
        original = {"native_name": ""}  # the original came from a Latin-only sheet
    elif kind == "family_first":
        dup.update(given_name=m["family_name"], family_name=m["given_name"])
    elif kind == "typo":
        field = "family_name" if len(m["family_name"]) >= len(m["given_name"]) else "given_name"
        dup[field] = _typo(rng, m[field])
    return dup, original


def plant(database_url: str, count: int = PLANTED, seed: int = SEED) -> dict[tuple[int, int], str]:
    """Plant `count` duplicates; returns {(lower id, higher id): kind}."""
    rng = random.Random(seed)
    engine = sa.create_engine(database_url)
    meta = sa.MetaData()
    members = sa.Table("members", meta, autoload_with=engine)
    stays = sa.Table("participations", meta, autoload_with=engine)
    truth: dict[tuple[int, int], str] = {}
    with engine.begin() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(members).order_by(members.c.id)).mappings()]
        first = {r["member_id"]: dict(r) for r in conn.execute(
            sa.select(stays).order_by(stays.c.member_id, stays.c.start_date.desc())).mappings()}
        natives = [r for r in rows if _native_parts(r["country"] or "", r["given_name"], r["family_name"])]
        chosen_ids: set[int] = set()
        for n in range(count):
            kind = KINDS[n % len(KINDS)]
            pool = natives if kind == "native_script" else rows
            m = rng.choice(pool)
            while m["id"] in chosen_ids or m["id"] not in first:
                m = rng.choice(pool)
            chosen_ids.add(m["id"])
            dup, original = _duplicate_of(rng, kind, m, n)
            dup.pop("id")
            new_id = conn.execute(sa.insert(members).values(dup).returning(members.c.id)).scalar_one()
            if original:
                conn.execute(sa.update(members).where(members.c.id == m["id"]).values(original))
            stay = {**first[m["id"]], "member_id": new_id}
            stay.pop("id")
            conn.execute(sa.insert(stays).values(stay))
            truth[(min(m["id"], new_id), max(m["id"], new_id))] = kind
    engine.dispose()
    return truth


def run_finder(database_url: str) -> tuple[float, list[tuple[int, int]]]:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "members", "duplicates"], cwd=ROOT,
                            env=_env(database_url), capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    pairs = []
    for line in result.stdout.splitlines():
        a, b = line.split("\t")[:2]
        pairs.append((int(a), int(b)))
    return seconds, pairs


def bench(database_url: str, csv_path: str | None = None, members: int = 43_000, skip_import: bool = False) -> dict:
    if not skip_import:
        if csv_path is None:
            csv_path = os.path.join(tempfile.mkdtemp(), "members.csv")
            write_members_csv(csv_path, members)
        reset_database(database_url)
        timed_import(database_url, csv_path)
    truth = plant(database_url)
    seconds, pairs = run_finder(database_url)
    found = set(pairs)
    top = pairs[:600]
    by_kind = {k: sum(1 for p, kind in truth.items() if kind == k and p in found) for k in KINDS}
    false_top = sum(1 for p in top if p not in truth)
    return {"duplicates_s": round(seconds, 1), "duplicates_recall": len(found & set(truth)) / len(truth),
            "duplicates_false_top600": false_top / max(len(top), 1), "duplicates_listed": len(pairs),
            "duplicates_false_count": false_top, "duplicates_by_kind": by_kind,
            "duplicates_planted": len(truth)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--csv", help="an existing import file (default: make the 43,000-member one)")
    parser.add_argument("--skip-import", action="store_true", help="plant into what a previous run imported")
    args = parser.parse_args()
    print(bench(args.database_url, args.csv, skip_import=args.skip_import))


if __name__ == "__main__":
    main()
