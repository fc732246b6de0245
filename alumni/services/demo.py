"""Demo data: the seeds' facts (chapters, institutions) and deterministic synthetic alumni.

Synthetic member i is generated from its own seeded random stream, so `demo load --members N`
is deterministic, running it twice adds nothing, and a larger N only adds the new ones."""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, cast, overload

from sqlalchemy import select

from alumni.extensions import db
from alumni.models import (
    CareerEntry,
    CareerRole,
    Direction,
    Institution,
    InstitutionKind,
    Member,
    Participation,
    ReturnPurpose,
    ReturnVisit,
    Visibility,
)
from alumni.rules import fiscal_year
from alumni.services.accounts import create_user, find_user_by_email, verify_password
from alumni.services.chapters import create_chapter
from alumni.services.demo_delegations import load_demo_delegations
from alumni.services.demo_events import load_demo_events
from alumni.services.institutions import find_or_create_institution
from alumni.services.members import create_member, find_member_by_email
from alumni.services.names import CHAPTER_NAME_LENGTH, INSTITUTION_NAME_LENGTH, clean_names
from alumni.services.search import member_search_key

CHAPTERS = [
    ("IN", "India chapter", ["IN"]),
    ("CN", "China chapter", ["CN", "HK"]),
    ("ASEAN", "ASEAN chapter", ["TH", "VN", "ID", "MY", "PH", "SG", "KH", "LA", "MM", "BN"]),
    ("AFRICA", "Africa chapter", ["KE", "EG", "NG", "ZA", "GH", "ET", "TZ", "RW"]),
    ("LATAM", "Latin America chapter", ["BR", "MX", "CL", "PE", "AR"]),
    ("JP", "Japan chapter (outbound alumni)", ["JP"]),
]

#: The chapters' names in other languages (issue 19): Japanese for all, the region's own
#: languages where the chapter serves them.
CHAPTER_NAMES: dict[str, dict[str, str]] = {
    "IN": {"ja": "インド支部", "zh-Hans": "印度分会", "hi": "भारत चैप्टर"},
    "CN": {"ja": "中国支部", "zh-Hans": "中国分会"},
    "ASEAN": {"ja": "ASEAN支部", "zh-Hans": "东盟分会", "th": "สาขาอาเซียน", "vi": "Chi hội ASEAN",
              "id": "Cabang ASEAN"},
    "AFRICA": {"ja": "アフリカ支部", "zh-Hans": "非洲分会", "ar": "فرع أفريقيا", "fr": "Section Afrique"},
    "LATAM": {"ja": "中南米支部", "zh-Hans": "拉丁美洲分会", "es": "Sección de América Latina"},
    "JP": {"ja": "日本支部（派遣経験者）", "zh-Hans": "日本分会（派出校友）"},
}

INSTITUTIONS = [
    # Japanese hosts (the seeds: forums in Tokyo and Kyoto; Japan side universities and institutes)
    ("The University of Tokyo", "JP", InstitutionKind.university),
    ("Kyoto University", "JP", InstitutionKind.university),
    ("Osaka University", "JP", InstitutionKind.university),
    ("Tohoku University", "JP", InstitutionKind.university),
    ("Hokkaido University", "JP", InstitutionKind.university),
    ("Nagoya University", "JP", InstitutionKind.university),
    ("Kyushu University", "JP", InstitutionKind.university),
    ("Institute of Science Tokyo", "JP", InstitutionKind.university),
    ("RIKEN", "JP", InstitutionKind.research_institute),
    ("National Institute of Advanced Industrial Science and Technology (AIST)", "JP", InstitutionKind.research_institute),
    ("Japan Science and Technology Agency (JST)", "JP", InstitutionKind.government),
    # Overseas senders
    ("Indian Institute of Technology Hyderabad", "IN", InstitutionKind.university),
    ("Indian Institute of Technology Delhi", "IN", InstitutionKind.university),
    ("University of Delhi", "IN", InstitutionKind.university),
    ("Jawaharlal Nehru University", "IN", InstitutionKind.university),
    ("Tsinghua University", "CN", InstitutionKind.university),
    ("Peking University", "CN", InstitutionKind.university),
    ("The University of Hong Kong", "HK", InstitutionKind.university),
    ("Chulalongkorn University", "TH", InstitutionKind.university),
    ("Vietnam National University, Hanoi", "VN", InstitutionKind.university),
    ("Universitas Indonesia", "ID", InstitutionKind.university),
    ("University of Malaya", "MY", InstitutionKind.university),
    ("University of Nairobi", "KE", InstitutionKind.university),
    ("Cairo University", "EG", InstitutionKind.university),
    ("University of Lagos", "NG", InstitutionKind.university),
    ("Universidade de São Paulo", "BR", InstitutionKind.university),
    ("Universidad Nacional Autónoma de México", "MX", InstitutionKind.university),
]

#: Institutions' names in other languages: (language of the name above, {language: name}). The
#: Japanese names are the official ones (名古屋大学, 九州大学, 東京科学大学, 理化学研究所,
#: 科学技術振興機構 and インド工科大学 as the seed brochure writes them).
INSTITUTION_NAMES: dict[str, tuple[str, dict[str, str]]] = {
    "The University of Tokyo": ("en", {"ja": "東京大学", "zh-Hans": "东京大学"}),
    "Kyoto University": ("en", {"ja": "京都大学", "zh-Hans": "京都大学"}),
    "Osaka University": ("en", {"ja": "大阪大学", "zh-Hans": "大阪大学"}),
    "Tohoku University": ("en", {"ja": "東北大学", "zh-Hans": "东北大学"}),
    "Hokkaido University": ("en", {"ja": "北海道大学", "zh-Hans": "北海道大学"}),
    "Nagoya University": ("en", {"ja": "名古屋大学", "zh-Hans": "名古屋大学"}),
    "Kyushu University": ("en", {"ja": "九州大学", "zh-Hans": "九州大学"}),
    "Institute of Science Tokyo": ("en", {"ja": "東京科学大学", "zh-Hans": "东京科学大学"}),
    "RIKEN": ("en", {"ja": "理化学研究所", "zh-Hans": "理化学研究所"}),
    "National Institute of Advanced Industrial Science and Technology (AIST)": (
        "en", {"ja": "産業技術総合研究所", "zh-Hans": "产业技术综合研究所"}),
    "Japan Science and Technology Agency (JST)": ("en", {"ja": "科学技術振興機構（JST）", "zh-Hans": "日本科学技术振兴机构（JST）"}),
    "Indian Institute of Technology Hyderabad": ("en", {"ja": "インド工科大学ハイデラバード校",
                                                        "hi": "भारतीय प्रौद्योगिकी संस्थान हैदराबाद"}),
    "Indian Institute of Technology Delhi": ("en", {"ja": "インド工科大学デリー校",
                                                    "hi": "भारतीय प्रौद्योगिकी संस्थान दिल्ली"}),
    "University of Delhi": ("en", {"ja": "デリー大学", "hi": "दिल्ली विश्वविद्यालय"}),
    "Jawaharlal Nehru University": ("en", {"ja": "ジャワハルラール・ネルー大学", "hi": "जवाहरलाल नेहरू विश्वविद्यालय"}),
    "Tsinghua University": ("en", {"ja": "清華大学", "zh-Hans": "清华大学"}),
    "Peking University": ("en", {"ja": "北京大学", "zh-Hans": "北京大学"}),
    "The University of Hong Kong": ("en", {"ja": "香港大学", "zh-Hans": "香港大学"}),
    "Chulalongkorn University": ("en", {"ja": "チュラロンコン大学", "th": "จุฬาลงกรณ์มหาวิทยาลัย"}),
    "Vietnam National University, Hanoi": ("en", {"ja": "ベトナム国家大学ハノイ校", "vi": "Đại học Quốc gia Hà Nội"}),
    "Universitas Indonesia": ("id", {"ja": "インドネシア大学", "en": "University of Indonesia"}),
    "University of Malaya": ("en", {"ja": "マラヤ大学"}),
    "University of Nairobi": ("en", {"ja": "ナイロビ大学"}),
    "Cairo University": ("en", {"ja": "カイロ大学", "ar": "جامعة القاهرة"}),
    "University of Lagos": ("en", {"ja": "ラゴス大学"}),
    "Universidade de São Paulo": ("en", {"ja": "サンパウロ大学", "es": "Universidad de São Paulo"}),
    "Universidad Nacional Autónoma de México": ("es", {"ja": "メキシコ国立自治大学",
                                                       "en": "National Autonomous University of Mexico"}),
}

# Names as their owners write them: (given, family, native, family-first, language, time zone)
NAMES = {
    "IN": ("hi", "Asia/Kolkata", False, [("Priya", "Sharma", "प्रिया शर्मा"), ("Arjun", "Patel", "अर्जुन पटेल"),
            ("Ananya", "Iyer", "अनन्या अय्यर"), ("Rahul", "Verma", "राहुल वर्मा"), ("Kavya", "Reddy", "काव्या रेड्डी"),
            ("Vikram", "Singh", "विक्रम सिंह")]),
    "CN": ("zh-Hans", "Asia/Shanghai", True, [("Wei", "Zhang", "张伟"), ("Fang", "Wang", "王芳"), ("Lei", "Li", "李磊"),
            ("Jing", "Liu", "刘静"), ("Min", "Chen", "陈敏"), ("Hao", "Zhao", "赵浩")]),
    "HK": ("zh-Hans", "Asia/Hong_Kong", True, [("Ka Yan", "Chan", "陳嘉欣"), ("Chi Ho", "Wong", "黃志豪")]),
    "TH": ("th", "Asia/Bangkok", False, [("Somchai", "Saetang", "สมชาย แซ่ตั้ง"), ("Nattaya", "Srisuk", "ณัฐยา ศรีสุข"),
            ("Kittipong", "Chaiyaporn", "กิตติพงษ์ ชัยพร")]),
    "VN": ("vi", "Asia/Ho_Chi_Minh", True, [("Anh", "Nguyễn", "Nguyễn Thị Anh"), ("Minh", "Trần", "Trần Văn Minh"),
            ("Hương", "Lê", "Lê Thu Hương")]),
    "ID": ("id", "Asia/Jakarta", False, [("Siti", "Rahayu", ""), ("Budi", "Santoso", ""), ("Dewi", "Lestari", "")]),
    "MY": ("en", "Asia/Kuala_Lumpur", False, [("Nurul", "Aziz", ""), ("Wei Ling", "Tan", "陈慧玲")]),
    "KE": ("en", "Africa/Nairobi", False, [("Wanjiru", "Kamau", ""), ("Otieno", "Ochieng", ""), ("Amina", "Mwangi", "")]),
    "EG": ("ar", "Africa/Cairo", False, [("Ahmed", "Hassan", "أحمد حسن"), ("Mariam", "Farouk", "مريم فاروق"),
            ("Omar", "Nabil", "عمر نبيل")]),
    "NG": ("en", "Africa/Lagos", False, [("Chinonso", "Okafor", ""), ("Aisha", "Bello", "")]),
    "BR": ("es", "America/Sao_Paulo", False, [("José", "Silva", ""), ("Ana", "Gonçalves", ""), ("João", "Araújo", "")]),
    "MX": ("es", "America/Mexico_City", False, [("María", "Hernández", ""), ("Andrés", "López", "")]),
    "JP": ("ja", "Asia/Tokyo", True, [("Hanako", "Sato", "佐藤 花子"), ("Taro", "Suzuki", "鈴木 太郎"),
            ("Yui", "Takahashi", "高橋 結衣"), ("Ren", "Tanaka", "田中 蓮")]),
}
COUNTRY_WEIGHTS = {"IN": 18, "CN": 22, "HK": 2, "TH": 9, "VN": 9, "ID": 9, "MY": 4, "KE": 4, "EG": 3,
                   "NG": 2, "BR": 3, "MX": 2, "JP": 5}
FIELDS = ["Materials science", "Computer science", "Agriculture", "Medicine", "Civil engineering",
          "Chemistry", "Physics", "Environmental science", "Biotechnology", "Mathematics"]
# programme code, weight, typical stay in days
INBOUND_PROGRAMMES = [("SSP-A", 60, 7), ("SSP-B", 15, 21), ("SSP-C", 12, 10), ("SSP-HS", 5, 7),
                      ("SSP-STP", 2, 7), ("SSP-D", 3, 80), ("LOTUS", 1, 300), ("NEXUS-YTEC", 2, 60)]
OUTBOUND_PROGRAMMES = [("SSP-D", 50, 60), ("NEXUS-YTEC", 50, 45)]


def demo_email(i: int) -> str:
    return f"demo{i:05d}@alumni.example"


@overload
def _pick(rng: random.Random, weighted: dict[str, int]) -> str: ...
@overload
def _pick(rng: random.Random, weighted: list[tuple[str, int, int]]) -> tuple[str, int, int]: ...
def _pick(rng: random.Random, weighted: dict[str, int] | list[tuple[str, int, int]]) -> str | tuple[str, int, int]:
    """A country from {country: weight}, or a programme (code, weight, days) from a list, by weight."""
    if isinstance(weighted, dict):
        keys = list(weighted)
        return rng.choices(keys, weights=[weighted[k] for k in keys])[0]
    return rng.choices(weighted, weights=[w for _c, w, _d in weighted])[0]


def _synthetic_member(i: int, hosts: list[Institution], senders: dict[str, list[Institution]]) -> Member:
    rng = random.Random(i)
    country = _pick(rng, COUNTRY_WEIGHTS)
    lang, tz, family_first, pool = NAMES[country]
    given, family, native = rng.choice(pool)
    member = Member(
        email=demo_email(i), given_name=given, family_name=family, native_name=native,
        family_name_first=family_first, country=country, preferred_language=lang, timezone=tz,
        field=rng.choice(FIELDS),
        visibility=rng.choices(list(Visibility), weights=[10, 60, 30])[0],
        search_key=member_search_key(given, family, native),
    )
    outbound = country == "JP"
    code, _w, days = _pick(rng, OUTBOUND_PROGRAMMES if outbound else INBOUND_PROGRAMMES)
    start = date(2014, 4, 1) + timedelta(days=rng.randrange(0, 11 * 365))
    stay = max(1, int(rng.triangular(days * 0.5, days * 1.3, days)))
    end = start + timedelta(days=stay - 1)
    home: list[Any] = senders.get(country) or [None]  # institutions, or [None] if the country has none
    member.participations.append(Participation(
        programme_code=code, fiscal_year=fiscal_year(start),
        direction=Direction.outbound if outbound else Direction.inbound,
        start_date=start, end_date=end,
        host_institution=rng.choice(hosts) if not outbound else rng.choice(
            [inst for group in senders.values() for inst in group]),
        sending_institution=rng.choice(home) if not outbound else rng.choice(hosts),
    ))
    # Careers: studies at home, then work; some come back to Japan.
    career_start = end + timedelta(days=rng.randrange(30, 400))
    member.careers.append(CareerEntry(
        organisation=(rng.choice(home).name if home[0] else "University"), country=country,
        role=CareerRole.student, title="Graduate student", start_date=career_start,
        end_date=career_start + timedelta(days=rng.randrange(300, 1200)),
    ))
    _later_career(rng, member, hosts, home, outbound=outbound)
    return member


def _later_career(rng: random.Random, member: Member, hosts: list[Institution], home: list[Any], *,
                  outbound: bool) -> None:
    """After their studies: some came back to Japan (a return visit, and a job there for research
    or employment); most of the others work at home."""
    country = member.country
    if rng.random() < 0.12 and not outbound:
        back = cast(date, member.careers[-1].end_date) + timedelta(days=rng.randrange(10, 200))
        purpose = rng.choices([ReturnPurpose.research, ReturnPurpose.study, ReturnPurpose.employment,
                               ReturnPurpose.conference], weights=[4, 3, 2, 2])[0]
        host = rng.choice(hosts)
        member.returns.append(ReturnVisit(purpose=purpose, institution=host, start_date=back,
                                          end_date=back + timedelta(days=rng.randrange(5, 700))))
        if purpose in (ReturnPurpose.research, ReturnPurpose.employment):
            member.careers.append(CareerEntry(
                organisation=host.name, institution=host, country="JP",
                role=CareerRole.researcher if purpose == ReturnPurpose.research else CareerRole.engineer,
                title="Postdoctoral researcher" if purpose == ReturnPurpose.research else "Engineer",
                start_date=back, end_date=None,
            ))
    elif rng.random() < 0.6:
        member.careers.append(CareerEntry(
            organisation=(rng.choice(home).name if home[0] else "Company"), country=country,
            role=rng.choice([CareerRole.researcher, CareerRole.faculty, CareerRole.engineer, CareerRole.entrepreneur]),
            title="", start_date=cast(date, member.careers[-1].end_date) + timedelta(days=1), end_date=None,
        ))


#: One account per role with a known password, made by `demo load` where DEMO_ACCOUNTS is on
#: (development only; production never has them). (email, password, role, chapter code)
DEMO_LOGINS: list[tuple[str, str, str, str | None]] = [
    ("member@alumni.example", "member-password", "member", None),
    ("organizer@alumni.example", "organizer-password", "organizer", "IN"),
    ("staff@alumni.example", "staff-password", "staff", None),
]


def _demo_member(email: str) -> Member:
    """The demo member: an Indian alumna of a joint-research stay in Kyoto, so that the India
    chapter's invitations reach her and her pages have something to show."""
    member = create_member({"email": email, "given_name": "Meera", "family_name": "Nair",
                            "native_name": "मीरा नायर", "country": "IN", "preferred_language": "en",
                            "timezone": "Asia/Kolkata", "field": "Materials science", "visibility": "members"})
    host = find_or_create_institution("Kyoto University", "JP", InstitutionKind.university)
    sender = find_or_create_institution("Indian Institute of Technology Delhi", "IN", InstitutionKind.university)
    start = date(2019, 6, 3)
    member.participations.append(Participation(
        programme_code="SSP-B", fiscal_year=fiscal_year(start), direction=Direction.inbound,
        start_date=start, end_date=start + timedelta(days=20), host_institution=host, sending_institution=sender))
    db.session.flush()
    return member


def load_demo_accounts() -> int:
    """The accounts of DEMO_LOGINS that are missing (their chapters come from load_demo); answers
    how many were added. Verified, so that their owners can log in at once."""
    added = 0
    for email, password, role, chapter in DEMO_LOGINS:
        if find_user_by_email(email) is not None:
            continue
        if role == "member" and find_member_by_email(email) is None:
            _demo_member(email)
        create_user(email, role, chapter=chapter, password=password)
        added += 1
    return added


def demo_login_lines() -> list[str]:
    """`demo login: EMAIL PASSWORD (ROLE)` for each demo account whose password still works."""
    lines = []
    for email, password, role, _chapter in DEMO_LOGINS:
        user = find_user_by_email(email)
        if user is not None and user.role.value == role and verify_password(user, password):
            lines.append(f"demo login: {email} {password} ({role})")
    return lines


def load_demo(members: int = 300, *, accounts: bool = False) -> dict[str, int]:
    """Load what is missing; answers counts of what was added. `accounts`: also the demo accounts
    of DEMO_LOGINS (the caller passes the DEMO_ACCOUNTS setting: development only)."""
    added_chapters = 0
    for code, name, countries in CHAPTERS:
        chapter, added = create_chapter(code, name, countries, names=CHAPTER_NAMES.get(code))
        added_chapters += added
        if not chapter.names and chapter.name == name:  # loaded before chapters had other names
            chapter.names = clean_names(CHAPTER_NAMES.get(code), chapter.language, CHAPTER_NAME_LENGTH)
    before = db.session.scalar(select(db.func.count(Institution.id))) or 0
    institutions = [find_or_create_institution(name, country, kind) for name, country, kind in INSTITUTIONS]
    for inst in institutions:
        if not inst.names and inst.name in INSTITUTION_NAMES:
            language, names = INSTITUTION_NAMES[inst.name]
            inst.language, inst.names = language, clean_names(names, language, INSTITUTION_NAME_LENGTH)
    added_institutions = (db.session.scalar(select(db.func.count(Institution.id))) or 0) - before
    hosts = [inst for inst in institutions if inst.country == "JP" and inst.kind != InstitutionKind.government]
    senders: dict[str, list[Institution]] = {}
    for inst in institutions:
        if inst.country != "JP":
            senders.setdefault(inst.country, []).append(inst)

    existing = set(db.session.scalars(select(Member.email).where(Member.email.like("demo%@alumni.example"))))
    added_members = 0
    for i in range(1, members + 1):
        if demo_email(i) in existing:
            continue
        db.session.add(_synthetic_member(i, hosts, senders))
        added_members += 1
        if added_members % 500 == 0:
            db.session.flush()
    db.session.flush()

    added_events = load_demo_events()
    db.session.flush()
    added_delegates = load_demo_delegations()
    report = {"chapters added": added_chapters, "institutions added": added_institutions,
              "members added": added_members, "events added": added_events,
              "forum delegates added": added_delegates}
    if accounts:
        report["accounts added"] = load_demo_accounts()
    return report
