"""A deterministic dataset at the seeds' scale.

    python -m bench.make_dataset members.csv [--members 43000]

writes the import CSV (≈ 50,000 participation rows for 43,000 members); `load_outcomes()` adds
≈ 100,000 career entries and ≈ 4,000 return visits to a database that holds the members,
generated in one pass and inserted in bulk (executemany), for the report benchmarks.
"""
from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta

import sqlalchemy as sa

from alumni.services.imports import COLUMNS

SEED = 20250401
#: A weighted spread over many countries; the largest groups come first (as in the seeds).
BIG = ["CN", "IN", "ID", "TH", "VN", "MY", "PH", "MN", "KR", "TW", "BD", "LK", "NP", "MM", "KH", "LA",
       "BR", "KE", "EG", "NG", "ZA", "ET", "GH", "TZ", "UZ", "KZ", "PK", "MX", "CL", "PE"]
OTHER = ["AR", "CO", "TR", "IR", "SA", "AE", "JO", "MA", "TN", "DZ", "SN", "CI", "CM", "UG", "RW", "ZM",
         "ZW", "MZ", "MG", "MW", "BW", "NA", "SD", "FJ", "PG", "TL", "BT", "MV", "AF", "KG", "TJ", "TM",
         "AZ", "GE", "AM", "UA", "PL", "RO", "HU", "CZ", "BG", "RS", "FR", "DE", "IT", "ES", "GB", "US",
         "CA", "AU", "NZ", "CU", "DO", "GT", "HN", "SV", "NI", "CR", "PA", "EC", "BO", "PY", "UY", "VE",
         "BJ", "BF", "ML", "NE", "TD", "GN", "SL", "LR", "TG", "GA", "CG", "CD", "AO", "SO", "DJ", "ER"]
NAMES = {
    "CN": ("Wei", "Zhang", "张伟", "zh-Hans"), "IN": ("Priya", "Sharma", "प्रिया शर्मा", "hi"),
    "TH": ("Somchai", "Saetang", "สมชาย แซ่ตั้ง", "th"), "VN": ("Lan", "Nguyen", "Nguyễn Lan", "vi"),
    "EG": ("Omar", "Hassan", "عمر حسن", "ar"), "ID": ("Budi", "Santoso", "", "id"),
    "JP": ("Hanako", "Sato", "佐藤 花子", "ja"), "BR": ("Ana", "Silva", "", "es"),
}
FIELDS = ["Chemistry", "Physics", "Materials science", "Biology", "Medicine", "Agriculture",
          "Computer science", "Mathematics", "Civil engineering", "Environmental science", "Economics"]
INBOUND = ["SSP-A", "SSP-A", "SSP-A", "SSP-B", "SSP-C", "SSP-HS", "SSP-HS", "SSP-STP", "SSP-D", "LOTUS", "NEXUS-YTEC"]
OUTBOUND = ["SSP-D", "NEXUS-YTEC"]
STAY = {"SSP-A": 7, "SSP-B": 21, "SSP-C": 10, "SSP-HS": 7, "SSP-STP": 10, "SSP-D": 90, "LOTUS": 300,
        "NEXUS-YTEC": 90}


def fiscal_year(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def write_members_csv(path: str, members: int = 43_000, seed: int = SEED) -> int:
    """The import file; returns the number of data rows (participations)."""
    rng = random.Random(seed)
    countries = BIG * 12 + OTHER
    hosts = [(f"Japan Host University {i}", "JP") for i in range(400)]
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(COLUMNS)
        for n in range(members):
            japanese = n % 25 == 0
            country = "JP" if japanese else rng.choice(countries)
            given, family, native, lang = NAMES.get(country, ("Alex", "Member", "", "en"))
            person = [f"alumnus{n}@example.org", given, f"{family}{n}", f"{native}{n}" if native else "",
                      country, lang, rng.choice(FIELDS)]
            visits = 2 if rng.random() < 0.16 else 1
            start = date(2014, 4, 1) + timedelta(days=rng.randrange(3900))
            for _k in range(visits):
                outbound = japanese
                programme = rng.choice(OUTBOUND if outbound else INBOUND)
                end = start + timedelta(days=rng.randrange(3, STAY[programme] + 1))
                host = (f"Overseas University {rng.randrange(2000)}", rng.choice(BIG)) if outbound else rng.choice(hosts)
                sending = rng.choice(hosts) if outbound else (f"Overseas University {rng.randrange(2000)}", country)
                writer.writerow([*person, programme, fiscal_year(start), "outbound" if outbound else "inbound", start.isoformat(), end.isoformat(), host[0], host[1], sending[0], sending[1]])
                rows += 1
                start = end + timedelta(days=rng.randrange(30, 700))
    return rows


def load_outcomes(database_url: str, careers: int = 100_000, returns: int = 4_000, seed: int = SEED) -> tuple[int, int]:
    """Career entries and return visits for the members already in the database (replacing any).
    Generated in one pass over (member id, last end date) and inserted in bulk."""
    rng = random.Random(seed + 1)
    engine = sa.create_engine(database_url)
    meta = sa.MetaData()
    career_t = sa.Table("career_entries", meta, autoload_with=engine)
    return_t = sa.Table("return_visits", meta, autoload_with=engine)
    roles = ["student", "researcher", "faculty", "engineer", "entrepreneur", "government", "other"]
    purposes = ["research", "research", "study", "study", "employment", "conference", "exchange"]
    with engine.begin() as conn:
        conn.execute(career_t.delete())
        conn.execute(return_t.delete())
        people = conn.execute(sa.text(
            "SELECT m.id, m.country, MAX(p.end_date) FROM members m JOIN participations p ON p.member_id = m.id "
            "GROUP BY m.id, m.country ORDER BY m.id")).all()
        per_member = careers / len(people)
        career_rows, return_rows = [], []
        for mid, country, last_end in people:
            last_end = last_end if isinstance(last_end, date) else date.fromisoformat(last_end)
            count = int(per_member) + (1 if rng.random() < per_member % 1 else 0)
            start = last_end - timedelta(days=rng.randrange(400))
            for k in range(count):
                in_japan = rng.random() < 0.10
                end = None if k == count - 1 else start + timedelta(days=rng.randrange(200, 1200))
                career_rows.append({"member_id": mid, "organisation": f"Organisation {rng.randrange(5000)}",
                                    "country": "JP" if in_japan else (country or "US"),
                                    "role": rng.choice(roles), "title": "", "start_date": start, "end_date": end})
                if end is not None:
                    start = end + timedelta(days=1)
            if rng.random() < returns / len(people):
                begin = last_end + timedelta(days=rng.randrange(-20, 2500))
                return_rows.append({"member_id": mid, "purpose": rng.choice(purposes), "start_date": begin,
                                    "end_date": begin + timedelta(days=rng.randrange(1, 400))})
        for i in range(0, len(career_rows), 10_000):
            conn.execute(career_t.insert(), career_rows[i:i + 10_000])
        conn.execute(return_t.insert(), return_rows)
    with engine.connect() as conn:
        # Fresh statistics, as autovacuum would gather them soon after a bulk load.
        conn.execute(sa.text("ANALYZE"))
        conn.commit()
    engine.dispose()
    return len(career_rows), len(return_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--members", type=int, default=43_000)
    args = parser.parse_args()
    rows = write_members_csv(args.path, args.members)
    print(f"wrote {args.members} members, {rows} participation rows to {args.path}")


if __name__ == "__main__":
    main()
