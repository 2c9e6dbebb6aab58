"""The statistics and export queries on real SQLite and real PostgreSQL: cases as facts (the
responsible official read from the audit trail), pages of cases with their history, and the
weekly report queued once when two instances race.

Knowledge: tests/data/kb_min (chu-tich "UBND tỉnh" > truong-phong > can-bo, both "Văn phòng").
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.knowledge.loader import load_knowledge
from bot.storage.complaint_repo import Change, ComplaintStore, Outgoing
from bot.storage.db import make_engine, migrate
from bot.storage.stats_repo import StatsStore
from tests.integration.test_complaint_storage import MINI, file_case

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
OFFICIALS = load_knowledge(MINI).officials
CODES = ("PA-AAAAA-AAAA2", "PA-DDDDD-DDDD3", "TC-CCCCC-CCCC4")


async def seed(store: ComplaintStore, now: datetime) -> None:
    """Three cases, oldest last but filed in this order:

    1. received 10 days ago for can-bo, transferred to truong-phong, then escalated to chu-tich
       with an apology when its resolve deadline passed (in progress, late);
    2. received 40 days ago, resolved on time after 5 days, rated 4; its description starts
       like a spreadsheet formula;
    3. a tố cáo received 2 days ago with the citizen's name and phone and the person reported.
    """
    a = await file_case(
        store,
        CODES[0],
        received_at=now - 10 * DAY,
        status="acknowledged",
        acknowledged_at=now - 10 * DAY + 2 * HOUR,
        ack_due=now - 8 * DAY,
        resolve_due=now - DAY,
    )
    assert a.id is not None
    moved = Change(
        values={"assigned_official_id": "truong-phong"},
        actor="can-bo",
        action="transferred",
        detail="truong-phong: việc của phòng",
    )
    assert await store.change(a.id, 0, moved, now - 9 * DAY)
    escalated = Change(
        values={"assigned_official_id": "chu-tich", "escalation_level": 1},
        action="escalated",
        detail="truong-phong → chu-tich",
        key=f"{a.id}:escalate_resolve",
        also=[("apology", "quá hạn")],
    )
    assert await store.change(a.id, 1, escalated, now)
    b = await file_case(
        store,
        CODES[1],
        received_at=now - 40 * DAY,
        ack_due=now - 38 * DAY,
        resolve_due=now - 20 * DAY,
        description="=1+2 đèn đường tắt cả tháng nay",
    )
    assert b.id is not None
    resolved = Change(
        values={
            "status": "resolved",
            "acknowledged_at": now - 40 * DAY + 3 * HOUR,
            "resolved_at": now - 35 * DAY,
            "rating": 4,
            "result": "Đã thay bóng đèn.",
        },
        actor="can-bo",
        action="resolved",
        detail="Đã thay bóng đèn.",
    )
    assert await store.change(b.id, 0, resolved, now - 35 * DAY)
    await file_case(
        store,
        CODES[2],
        type="to-cao",
        category="can-bo",
        received_at=now - 2 * DAY,
        ack_due=now + DAY,
        resolve_due=now + 30 * DAY,
        anonymous=False,
        full_name="Lê Thị Tố",
        phone="0987654321",
        accused="ông Nguyễn Văn X, cán bộ địa chính",
        photos=[],
        latitude=None,
        longitude=None,
    )


@pytest.fixture
def engines(database_url: str) -> Iterator[list[Engine]]:
    """Two engines on one migrated database, as two bot instances would have."""
    made = [make_engine(database_url), make_engine(database_url)]
    migrate(made[0])
    yield made
    for engine in made:
        engine.dispose()


async def test_case_facts_read_the_responsible_official_escalation_and_apologies(
    engines: list[Engine],
):
    await seed(ComplaintStore(engines[0]), NOW)
    stats = StatsStore(engines[0])
    facts = {f.code: f for f in await stats.case_facts(OFFICIALS)}
    assert set(facts) == set(CODES)
    late, on_time, recent = (facts[code] for code in CODES)
    # Transferred to truong-phong, then escalated to chu-tich: truong-phong stays responsible.
    assert (late.official_id, late.escalated, late.apologies) == ("truong-phong", True, 1)
    assert late.overdue(NOW) and late.on_time(NOW) is False
    assert (on_time.official_id, on_time.rating, on_time.on_time(NOW)) == ("can-bo", 4, True)
    assert on_time.resolved_at == NOW - 35 * DAY  # read back as an aware UTC time
    assert (recent.type, recent.status, recent.on_time(NOW)) == ("to-cao", "received", None)
    since = {f.code for f in await stats.case_facts(OFFICIALS, since=NOW - 30 * DAY)}
    assert since == {CODES[0], CODES[2]}
    assert await stats.count_cases() == 3 and await stats.count_cases(NOW - 30 * DAY) == 2
    # Moved in the last 30 days: the two open cases; 36 days: also the one resolved 35 days ago.
    active = {f.code for f in await stats.case_facts(OFFICIALS, active_since=NOW - 30 * DAY)}
    assert active == {CODES[0], CODES[2]}
    active = await stats.case_facts(OFFICIALS, active_since=NOW - 36 * DAY)
    assert {f.code for f in active} == set(CODES)
    assert {f.code: f.apologies for f in active}[CODES[0]] == 1  # its events came along


async def test_cases_come_page_by_page_with_their_whole_history(engines: list[Engine]):
    await seed(ComplaintStore(engines[0]), NOW)
    stats = StatsStore(engines[0])
    first = await stats.cases_page(OFFICIALS, None, 0, 2)
    assert [x.case.code for x in first] == list(CODES[:2])
    assert [e.action for e in first[0].events] == ["filed", "transferred", "escalated", "apology"]
    assert first[0].facts.official_id == "truong-phong"
    assert [e.action for e in first[1].events] == ["filed", "resolved"]
    last_id = first[-1].case.id
    assert last_id is not None
    rest = await stats.cases_page(OFFICIALS, None, last_id, 2)
    assert [x.case.code for x in rest] == [CODES[2]]
    assert rest[0].case.phone == "0987654321"  # the store keeps it; exports decide
    assert await stats.cases_page(OFFICIALS, None, rest[0].case.id or 0, 2) == []
    recent = await stats.cases_page(OFFICIALS, NOW - 30 * DAY, 0, 10)
    assert [x.case.code for x in recent] == [CODES[0], CODES[2]]


async def test_a_keyed_report_is_queued_once_when_two_instances_race(engines: list[Engine]):
    report = Outgoing(-100555, "Báo cáo tuần", "weekly_report", key="weekly_report:2026-11-30")
    first, second = StatsStore(engines[0]), StatsStore(engines[1])
    results = await asyncio.gather(
        *(store.queue_once(report, NOW) for store in (first, second, first, second))
    )
    assert sorted(results) == [False, False, False, True]
    outbox = await ComplaintStore(engines[0]).outbox()
    assert [(m.key, m.chat_id, m.purpose) for m in outbox] == [
        ("weekly_report:2026-11-30", -100555, "weekly_report")
    ]
