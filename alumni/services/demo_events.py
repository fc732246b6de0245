"""The seeds' events for the demo: India–Japan University Forums, Japan–Africa University
Exchange Conferences and webinar, Asia University Forums, India alumni reunions. Keyed by a
stable slug, so loading twice adds nothing. Where the seeds give only a month (6th reunion,
3rd Asia University Forum), a plausible day is used and the description says so."""
from __future__ import annotations

from alumni.models import EventStatus
from alumni.models.types import utcnow
from alumni.services.events import create_event, find_event_by_slug

IJUF_JA = "日印大学等フォーラム"
JAUEC_JA = "日本・アフリカ大学交流会議"
AUF_JA = "アジア大学フォーラム"

# slug, kind, chapter, title, Japanese title, start, end, zone, venue, country, online, capacity, quotas, description
DEMO_EVENTS = [
    ("ijuf-1", "forum", "IN", "1st India–Japan University Forum", f"第一回{IJUF_JA}",
     "2023-01-23T10:00", "2023-01-23T17:30", "Asia/Tokyo", "Tokyo", "JP", "", None, {},
     "Strengthening exchange between Indian and Japanese universities and research institutes — "
     "fostering and exchanging young innovators. India side 9 universities; Japan side 21 universities "
     "and research institutes, 1 related organisation."),
    ("ijuf-2", "forum", "IN", "2nd India–Japan University Forum", f"第二回{IJUF_JA}",
     "2023-09-30T10:00", "2023-09-30T17:30", "Asia/Tokyo", "Kyoto", "JP", "", None, {},
     "Towards brain circulation between India and Japan. India side 10 universities; Japan side 21 "
     "universities and research institutes, 2 related organisations, 3 companies."),
    ("ijuf-3", "forum", "IN", "3rd India–Japan University Forum", f"第三回{IJUF_JA}",
     "2024-10-19T10:00", "2024-10-19T18:00", "Asia/Kolkata", "New Delhi", "IN", "", None, {"IN": 60, "JP": 60},
     "Promoting India–Japan brain circulation and making use of its talent. India side 33 universities; "
     "Japan side 28 universities and research institutes, 6 related organisations, 5 companies."),
    ("ijuf-4", "forum", "IN", "4th India–Japan University Forum", f"第四回{IJUF_JA}",
     "2025-11-15T10:00", "2025-11-15T18:00", "Asia/Kolkata", "Indian Institute of Technology Hyderabad", "IN", "",
     None, {"IN": 60, "JP": 60}, "Held at IIT Hyderabad."),
    ("jauec-2022", "forum", "AFRICA", "Japan–Africa University Exchange Conference (TICAD8 side event)",
     f"{JAUEC_JA} 第8回アフリカ開発会議(TICAD8) 公式サイドイベント",
     "2022-08-22T16:00", "2022-08-22T19:00", "Asia/Tokyo", "", None, "https://online.sakura-alumni.example/jauec-2022",
     None, {}, "Online. 44 countries and regions, including 36 in Africa; 263 participants."),
    ("jauec-2023", "forum", "AFRICA", "Japan–Africa University Exchange Conference 2023", f"{JAUEC_JA}2023",
     "2023-05-31T10:00", "2023-05-31T17:00", "Asia/Tokyo", "Tokyo", "JP", "", None, {},
     "Africa side (Egypt, Ghana, Kenya, Nigeria, South Africa, Zambia) 9 universities; Japan side 18 "
     "universities and 2 institutions."),
    ("jauec-webinar-2024", "webinar", "AFRICA",
     "Webinar 2024: Sharing case studies of building strong and productive collaboration between Japan and African countries",
     "ウェビナー 2024", "2024-07-23T17:00", "2024-07-23T19:00", "Asia/Tokyo", "", None,
     "https://online.sakura-alumni.example/jauec-webinar-2024", None, {},
     "Online. 21 countries and regions, including 10 in Africa; 190 participants."),
    ("jauec-2025", "forum", "AFRICA", "Japan–Africa University Exchange Conference 2025 (TICAD9 partner event)",
     f"{JAUEC_JA}2025 第9回アフリカ開発会議(TICAD9) パートナー事業",
     "2025-08-19T10:00", "2025-08-19T17:00", "Asia/Tokyo", "Tokyo", "JP", "", None, {},
     "Africa side: Egypt, Tunisia, Ghana, Nigeria, Ethiopia, Kenya, Rwanda, Zambia, Botswana, South Africa."),
    ("auf-1", "forum", "CN", "1st Asia University Forum", f"第一回{AUF_JA}",
     "2024-01-27T09:30", "2024-01-27T17:00", "Asia/Hong_Kong", "Hong Kong", "HK", "", 27,
     {"JP": 10, "CN": 9, "ASEAN": 8},
     "Developing and securing talent in Asia, and promoting innovation and growth. 27 university presidents: "
     "Japan 10, China 9, ASEAN 8."),
    ("auf-2", "forum", "CN", "2nd Asia University Forum", f"第二回{AUF_JA}",
     "2025-02-17T09:30", "2025-02-17T17:00", "Asia/Tokyo", "Tokyo", "JP", "", 30, {"JP": 11, "CN": 10, "ASEAN": 9},
     "Promoting brain circulation and innovation in Asia. 30 university presidents: Japan 11, China 10, ASEAN 9."),
    ("auf-3", "forum", "CN", "3rd Asia University Forum", f"第三回{AUF_JA}",
     "2026-01-24T09:30", "2026-01-24T17:00", "Asia/Shanghai", "China", "CN", "", None, {},
     "Planned for January 2026 in China (the day here is a placeholder)."),
    ("in-reunion-6", "reunion", "IN", "6th India alumni reunion", "第6回インド同窓会",
     "2025-01-25T17:00", "2025-01-25T21:00", "Asia/Kolkata", "New Delhi", "IN", "", None, {},
     "January 2025, New Delhi (the day here is a placeholder)."),
    ("in-reunion-7", "reunion", "IN", "7th India alumni reunion", "第7回インド同窓会",
     "2027-01-23T18:00", "2027-01-23T21:30", "Asia/Kolkata", "India Habitat Centre, New Delhi", "IN", "", 150, {},
     "Meet fellow Sakura Science alumni from across India: talks, networking and dinner."),
]


def load_demo_events() -> int:
    """Create the seeds' events that are missing; answers how many were added."""
    added = 0
    for (slug, kind, chapter, title, title_ja, start, end, zone, venue, country, online, capacity, quotas,
         description) in DEMO_EVENTS:
        if find_event_by_slug(slug) is not None:
            continue
        event = create_event({
            "slug": slug, "kind": kind, "chapter": chapter, "language": "en", "title": title,
            "description": description, "translations": {"ja": {"title": title_ja, "description": ""}},
            "starts_at": start, "ends_at": end, "timezone": zone, "venue": venue, "country": country,
            "online_url": online, "capacity": capacity, "side_quotas": quotas,
        })
        event.status = EventStatus.published
        event.published_at = utcnow()
        added += 1
    return added
