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
from anyascii import anyascii

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
#: Names by country, as varied as real ones (two members of one country rarely share a full name):
#: lists of (Latin, native script) given and family names, whether the family name comes first,
#: and the contact language. Chinese names are drawn from characters, their pinyin romanized by
#: anyascii; countries not listed draw Latin-only names.
_CN_FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓彭曹袁潘田董蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方邹熊孟秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
_CN_GIVEN = "伟芳娜敏静磊强军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红宇鑫浩然子涵轩欣怡梓睿博文思远一鸣晨阳佳琪雨婷俊凯志建国海燕丽婷晓东"
_JP = ([("Hanako", "花子"), ("Taro", "太郎"), ("Yuki", "由紀"), ("Kenji", "健二"), ("Akiko", "明子"), ("Naoko", "直子"),
        ("Emi", "恵美"), ("Daisuke", "大輔"), ("Hiroshi", "博"), ("Takeshi", "武"), ("Yumiko", "由美子"), ("Kazuki", "和樹"),
        ("Sakura", "さくら"), ("Haruto", "陽翔"), ("Ren", "蓮"), ("Yui", "結衣"), ("Sota", "蒼太"), ("Mei", "芽衣"),
        ("Riku", "陸"), ("Aoi", "葵"), ("Shota", "翔太"), ("Misaki", "美咲"), ("Kenta", "健太"), ("Ayaka", "彩花"),
        ("Yusuke", "雄介"), ("Nanami", "七海"), ("Tomoko", "智子"), ("Makoto", "誠"), ("Keiko", "恵子"), ("Ichiro", "一郎")],
       [("Sato", "佐藤"), ("Suzuki", "鈴木"), ("Takahashi", "高橋"), ("Tanaka", "田中"), ("Watanabe", "渡辺"),
        ("Ito", "伊藤"), ("Yamamoto", "山本"), ("Nakamura", "中村"), ("Kobayashi", "小林"), ("Kato", "加藤"),
        ("Yoshida", "吉田"), ("Yamada", "山田"), ("Sasaki", "佐々木"), ("Yamaguchi", "山口"), ("Matsumoto", "松本"),
        ("Inoue", "井上"), ("Kimura", "木村"), ("Hayashi", "林"), ("Shimizu", "清水"), ("Yamazaki", "山崎"),
        ("Mori", "森"), ("Ikeda", "池田"), ("Hashimoto", "橋本"), ("Ishikawa", "石川"), ("Ogawa", "小川"),
        ("Okada", "岡田"), ("Hasegawa", "長谷川"), ("Fujita", "藤田"), ("Goto", "後藤"), ("Kondo", "近藤")], True, "ja")
_IN = ([("Priya", "प्रिया"), ("Amit", "अमित"), ("Rahul", "राहुल"), ("Anjali", "अंजलि"), ("Vikram", "विक्रम"),
        ("Neha", "नेहा"), ("Suresh", "सुरेश"), ("Pooja", "पूजा"), ("Arjun", "अर्जुन"), ("Kavita", "कविता"),
        ("Rohan", "रोहन"), ("Deepak", "दीपक"), ("Sunita", "सुनीता"), ("Ravi", "रवि"), ("Anil", "अनिल"), ("Meera", "मीरा"),
        ("Sanjay", "संजय"), ("Rekha", "रेखा"), ("Manish", "मनीष"), ("Nisha", "निशा"), ("Ajay", "अजय"), ("Divya", "दिव्या"),
        ("Karan", "करन"), ("Shreya", "श्रेया"), ("Vijay", "विजय"), ("Aarti", "आरती"), ("Nikhil", "निखिल"), ("Swati", "स्वाति"),
        ("Gaurav", "गौरव"), ("Komal", "कोमल"), ("Harsh", "हर्ष"), ("Jyoti", "ज्योति"), ("Prakash", "प्रकाश"), ("Ritu", "रितु")],
       [("Sharma", "शर्मा"), ("Verma", "वर्मा"), ("Gupta", "गुप्ता"), ("Kumar", "कुमार"), ("Singh", "सिंह"),
        ("Patel", "पटेल"), ("Yadav", "यादव"), ("Mishra", "मिश्रा"), ("Joshi", "जोशी"), ("Reddy", "रेड्डी"),
        ("Nair", "नायर"), ("Das", "दास"), ("Agarwal", "अग्रवाल"), ("Chauhan", "चौहान"), ("Pandey", "पांडे"),
        ("Tiwari", "तिवारी"), ("Saxena", "सक्सेना"), ("Mehta", "मेहता"), ("Bhatt", "भट्ट"), ("Malhotra", "मल्होत्रा"),
        ("Kapoor", "कपूर"), ("Chopra", "चोपड़ा"), ("Srivastava", "श्रीवास्तव"), ("Dubey", "दुबे"), ("Rao", "राव"),
        ("Iyer", "अय्यर"), ("Menon", "मेनन"), ("Jain", "जैन")], False, "hi")
_TH = ([("Somchai", "สมชาย"), ("Somsak", "สมศักดิ์"), ("Malee", "มาลี"), ("Kanya", "กัญญา"), ("Anong", "อนงค์"),
        ("Prasert", "ประเสริฐ"), ("Wichai", "วิชัย"), ("Siriporn", "ศิริพร"), ("Niran", "นิรันดร์"), ("Sompong", "สมพงษ์"),
        ("Suda", "สุดา"), ("Pranee", "ปราณี"), ("Chai", "ชัย"), ("Wanida", "วนิดา"), ("Kittisak", "กิตติศักดิ์"),
        ("Nok", "นก"), ("Supaporn", "สุภาพร"), ("Thanawat", "ธนวัฒน์"), ("Porntip", "พรทิพย์"), ("Apinya", "อภิญญา")],
       [("Saetang", "แซ่ตั้ง"), ("Srisuk", "ศรีสุข"), ("Rattanakul", "รัตนกุล"), ("Boonmee", "บุญมี"),
        ("Thongdee", "ทองดี"), ("Kaewkla", "แก้วกล้า"), ("Phromma", "พรหมมา"), ("Chaiyaphum", "ชัยภูมิ"),
        ("Sukjai", "สุขใจ"), ("Wongsuwan", "วงศ์สุวรรณ"), ("Jaidee", "ใจดี"), ("Sangthong", "แสงทอง"),
        ("Srisawat", "ศรีสวัสดิ์"), ("Intharasuk", "อินทรสุข"), ("Chanthara", "จันทรา"), ("Kongkaew", "คงแก้ว"),
        ("Pongpanich", "พงษ์พานิช"), ("Thammasat", "ธรรมศาสตร์"), ("Buasri", "บัวศรี"), ("Meesuk", "มีสุข")], False, "th")
_EG = ([("Omar", "عمر"), ("Ahmed", "أحمد"), ("Youssef", "يوسف"), ("Mona", "منى"), ("Karim", "كريم"),
        ("Nour", "نور"), ("Tarek", "طارق"), ("Sara", "سارة"), ("Mahmoud", "محمود"), ("Amr", "عمرو"), ("Hoda", "هدى"),
        ("Khaled", "خالد"), ("Yasmin", "ياسمين"), ("Mostafa", "مصطفى"), ("Dina", "دينا"), ("Hesham", "هشام"),
        ("Rania", "رانيا"), ("Sherif", "شريف"), ("Aya", "آية"), ("Walid", "وليد"), ("Salma", "سلمى"), ("Hany", "هاني")],
       [("Hassan", "حسن"), ("Ibrahim", "إبراهيم"), ("Mahmoud", "محمود"), ("Mostafa", "مصطفى"), ("Said", "سعيد"),
        ("Khalil", "خليل"), ("Fathy", "فتحي"), ("Ali", "علي"), ("Abdallah", "عبدالله"), ("Salem", "سالم"),
        ("Nasser", "ناصر"), ("Farouk", "فاروق"), ("Gamal", "جمال"), ("Kamal", "كمال"), ("Ramadan", "رمضان"),
        ("Soliman", "سليمان"), ("Zaki", "زكي"), ("Adel", "عادل"), ("Hamdy", "حمدي"), ("Osman", "عثمان")], False, "ar")
_VN_MIDDLE = [("Van", "Văn"), ("Thi", "Thị"), ("Huu", "Hữu"), ("Minh", "Minh"), ("Ngoc", "Ngọc"), ("Thanh", "Thanh"),
              ("Duc", "Đức"), ("Quoc", "Quốc")]
_VN_GIVEN = [("Lan", "Lan"), ("An", "An"), ("Huong", "Hương"), ("Tuan", "Tuấn"), ("Linh", "Linh"), ("Thao", "Thảo"),
             ("Hai", "Hải"), ("Trang", "Trang"), ("Hung", "Hùng"), ("Dung", "Dũng"), ("Mai", "Mai"), ("Nam", "Nam"),
             ("Phuong", "Phương"), ("Son", "Sơn"), ("Ha", "Hà"), ("Long", "Long"), ("Quang", "Quang"), ("Yen", "Yến")]
_VN = ([(f"{m} {g}", f"{mn} {gn}") for m, mn in _VN_MIDDLE for g, gn in _VN_GIVEN],
       [("Nguyen", "Nguyễn"), ("Tran", "Trần"), ("Le", "Lê"), ("Pham", "Phạm"), ("Hoang", "Hoàng"), ("Vu", "Vũ"),
        ("Dang", "Đặng"), ("Bui", "Bùi"), ("Do", "Đỗ"), ("Ho", "Hồ"), ("Ngo", "Ngô"), ("Duong", "Dương")], True, "vi")


def _latin(names: str) -> list[tuple[str, str]]:
    return [(n, "") for n in names.split()]


def _chinese() -> tuple[list[tuple[str, str]], list[tuple[str, str]], bool, str]:
    def latin(chars: str) -> str:
        return anyascii(chars).capitalize()
    singles = list(_CN_GIVEN)
    givens = singles + [a + b for a in singles[::2] for b in singles[1::2]]
    return [(latin(g), g) for g in givens], [(latin(f), f) for f in _CN_FAMILY], True, "zh-Hans"


NAME_POOLS = {
    "CN": _chinese(), "JP": _JP, "IN": _IN, "TH": _TH, "EG": _EG, "VN": _VN,
    "ID": (_latin("Budi Siti Agus Dewi Rina Andi Putri Eko Wahyu Nur Ayu Bambang Fitri Hendra Indah Joko Kartika "
                  "Lestari Made Ketut Rizky Sri Taufik Wulan Yudi Dian Fajar Galih Hadi Intan"),
           _latin("Santoso Wijaya Saputra Hidayat Kusuma Pratama Setiawan Gunawan Halim Nugroho Susanto Wibowo "
                  "Purnomo Siregar Nasution Harahap Sitompul Simanjuntak Lubis Tanjung Putra Permana Rahman Syahputra"),
           False, "id"),
    "BR": (_latin("Ana Maria Joao Carlos Lucas Julia Pedro Beatriz Gabriel Larissa Rafael Camila Bruno Fernanda "
                  "Thiago Leticia Gustavo Mariana Felipe Isabela Rodrigo Aline Diego Patricia Vinicius"),
           _latin("Silva Santos Oliveira Souza Costa Pereira Almeida Lima Ferreira Rodrigues Gomes Martins Araujo "
                  "Ribeiro Carvalho Barbosa Rocha Dias Nascimento Moreira Cardoso Teixeira Mendes Freitas Correia"),
           False, "es"),
}
LATIN_GIVEN = ["Alex", "Sam", "Maria", "John", "Fatima", "David", "Elena", "Ivan", "Aisha", "Lucas", "Nadia", "Peter", "Grace", "Kofi", "Amina", "Daniel", "Sofia", "Omar", "Leila", "Jose", "Ahmad", "Bilal", "Chen", "Dmitri", "Emma", "Farid", "Gulnara", "Hassan", "Irina", "Jamal", "Kwame", "Lina", "Musa", "Nikolai", "Olga", "Pablo", "Rashid", "Sana", "Tomas", "Usman", "Vera", "Yusuf", "Zainab", "Akosua", "Bongani", "Chinedu", "Dilnoza", "Esi", "Fernando", "Hamid", "Isabel", "Jonas", "Kamila", "Laszlo", "Mateo", "Nia", "Oscar"]
LATIN_FAMILY = ["Smith", "Garcia", "Ivanov", "Mensah", "Okafor", "Kim", "Lopez", "Novak", "Kowalski", "Popescu", "Horvath", "Petrov", "Ochieng", "Mwangi", "Diallo", "Traore", "Haddad", "Rahman", "Khan", "Perez", "Ahmadi", "Baptiste", "Castillo", "Dlamini", "Eze", "Fernandes", "Gonzalez", "Hossain", "Ismail", "Jovanovic", "Kariuki", "Lungu", "Mahmoud", "Nkosi", "Osei", "Park", "Quispe", "Rojas", "Sokolov", "Tembo", "Usmonov", "Vargas", "Wanjiru", "Yilmaz", "Zulu", "Abubakar", "Banda", "Cohen", "Demir", "Erdogan", "Flores", "Gutierrez", "Hakimi", "Ibrahimov", "Juarez", "Kozlov"]


def person_name(rng: random.Random, country: str) -> tuple[str, str, str, bool, str]:
    """(given, family, native name, family name first, language) for a member of `country`."""
    if country not in NAME_POOLS:
        return rng.choice(LATIN_GIVEN), rng.choice(LATIN_FAMILY), "", False, "en"
    givens, families, family_first, lang = NAME_POOLS[country]
    (given, native_given), (family, native_family) = rng.choice(givens), rng.choice(families)
    native = ""
    if native_given and native_family:
        joiner = "" if country in ("CN", "JP") else " "
        native = joiner.join([native_family, native_given] if family_first else [native_given, native_family])
    return given, family, native, family_first, lang


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
    names = random.Random(seed + 7)  # its own stream: the rest of the file is as it was
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(COLUMNS)
        for n in range(members):
            japanese = n % 25 == 0
            country = "JP" if japanese else rng.choice(countries)
            given, family, native, _family_first, lang = person_name(names, country)
            person = [f"alumnus{n}@example.org", given, family, native, country, lang, rng.choice(FIELDS)]
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
