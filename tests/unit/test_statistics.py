"""Statistics for leaders on known cases, every expected number worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.reports import ReportService
from bot.statistics import (
    CaseFacts,
    as_dict,
    median,
    responsible_official,
    summarize,
    weekly_trend,
)
from bot.stats_format import duration, summary_text
from tests.clock import FakeClock

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
DAY, HOUR = timedelta(days=1), timedelta(hours=1)
OFFICE = {"a1": "Phòng A", "b1": "Phòng B"}
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def case(
    code: str,
    official: str,
    status: str,
    received: datetime,
    *,
    ack_after: timedelta | None = None,
    resolved: datetime | None = None,
    ack_due: datetime | None = None,
    resolve_due: datetime | None = None,
    rating: int | None = None,
    escalated: bool = False,
    apologies: int = 0,
) -> CaseFacts:
    return CaseFacts(
        code=code,
        type="phan-anh",
        category="ha-tang" if official == "a1" else "moi-truong",
        commune_id="phuong-my-tho" if code != "c4" else None,
        official_id=official,
        status=status,
        received_at=received,
        ack_due=ack_due or received + 2 * DAY,
        resolve_due=resolve_due or received + 12 * DAY,
        acknowledged_at=received + ack_after if ack_after else None,
        resolved_at=resolved,
        rating=rating,
        escalated=escalated,
        apologies=apologies,
    )


CASES = [
    # resolved the day before its deadline: on time
    case("c1", "a1", "resolved", NOW - 10 * DAY, ack_after=2 * HOUR,
         resolved=NOW - 5 * DAY, resolve_due=NOW - 4 * DAY, rating=5),
    # resolved a day after its deadline: late
    case("c2", "a1", "resolved", NOW - 10 * DAY, ack_after=4 * HOUR,
         resolved=NOW - 2 * DAY, resolve_due=NOW - 3 * DAY, rating=3),
    # in progress, its deadline passed yesterday: overdue, late
    case("c3", "a1", "acknowledged", NOW - 8 * DAY, ack_after=6 * HOUR, resolve_due=NOW - DAY),
    # waiting, due tomorrow: not overdue, not decided
    case("c4", "b1", "received", NOW - DAY, ack_due=NOW + DAY),
    # resolved before the (new) deadline, but only after an escalation and an apology: late
    case("c5", "b1", "resolved", NOW - 20 * DAY, ack_after=30 * HOUR,
         resolved=NOW - 12 * DAY, resolve_due=NOW - 11 * DAY, escalated=True, apologies=1),
    # in progress within its new deadline, but escalated at the acknowledge stage: overdue
    case("c6", "b1", "acknowledged", NOW - 3 * DAY, ack_after=50 * HOUR,
         resolve_due=NOW + 5 * DAY, escalated=True),
    # received before the period asked for
    case("c7", "a1", "resolved", NOW - 40 * DAY, ack_after=HOUR, resolved=NOW - 39 * DAY),
]  # fmt: skip


def test_median_of_odd_even_and_no_values():
    assert median([5.0, 1.0, 3.0]) == 3.0
    assert median([1.0, 3.0, 2.0, 10.0]) == 2.5
    assert median([]) is None


def test_summary_counts_rates_rating_and_medians():
    s = summarize(CASES, NOW, OFFICE.__getitem__, since=NOW - 30 * DAY)
    t = s.total
    assert (t.received, t.waiting, t.in_progress, t.resolved) == (6, 1, 2, 3)
    assert t.overdue == 2  # c3 past its deadline, c6 escalated
    assert (t.on_time, t.late) == (1, 4)  # c4 is not decided yet
    assert t.on_time_rate == pytest.approx(1 / 5)
    assert s.apologies == 1
    assert s.average_rating == pytest.approx(4.0)  # (5 + 3) / 2; unrated cases left out
    assert s.median_hours_to_acknowledge == 6.0  # of 2, 4, 6, 30, 50 hours
    assert s.median_hours_to_resolve == 192.0  # of 120, 192, 192 hours
    a, b = s.by_office["Phòng A"], s.by_office["Phòng B"]
    assert (a.received, a.on_time, a.late, a.on_time_rate) == (3, 1, 2, pytest.approx(1 / 3))
    assert (b.received, b.on_time, b.late, b.on_time_rate) == (3, 0, 2, 0.0)
    assert [office for office, _ in s.offices_ranked()] == ["Phòng A", "Phòng B"]
    assert s.by_category["ha-tang"].received == 3 and s.by_commune[""].received == 1


def test_without_since_every_case_counts_and_nothing_decided_has_no_rate():
    assert summarize(CASES, NOW, OFFICE.__getitem__).total.received == 7
    only_waiting = summarize([CASES[3]], NOW, OFFICE.__getitem__)
    assert only_waiting.total.on_time_rate is None
    assert only_waiting.offices_ranked()[0][1].on_time_rate is None


def test_weekly_trend_uses_vietnam_weeks():
    # A Sunday 18:00 UTC is already Monday 01:00 in Vietnam: the next week.
    r1 = case(
        "r1",
        "a1",
        "resolved",
        datetime(2026, 11, 24, 3, tzinfo=UTC),
        resolved=datetime(2026, 12, 1, 3, tzinfo=UTC),
        resolve_due=datetime(2026, 12, 2, tzinfo=UTC),
    )
    r2 = case(
        "r2",
        "a1",
        "resolved",
        datetime(2026, 11, 29, 18, tzinfo=UTC),
        resolved=datetime(2026, 12, 5, tzinfo=UTC),
        resolve_due=datetime(2026, 12, 4, tzinfo=UTC),
    )
    r3 = case("r3", "b1", "resolved", datetime(2026, 11, 16, 3, tzinfo=UTC),
              resolved=datetime(2026, 11, 25, tzinfo=UTC),
              resolve_due=datetime(2026, 11, 26, tzinfo=UTC))  # fmt: skip
    first, last = weekly_trend([r1, r2, r3], date(2026, 11, 30), weeks=2)
    assert (first.start, first.received, first.resolved, first.on_time) == (
        date(2026, 11, 23), 1, 1, 1,
    )  # fmt: skip
    assert (last.start, last.received, last.resolved, last.on_time) == (
        date(2026, 11, 30), 1, 2, 1,
    )  # fmt: skip
    assert last.on_time_rate == 0.5


def test_responsible_official_follows_transfers_not_escalations():
    known = {"can-bo", "truong-phong", "chu-tich"}
    filed = "giao can-bo (rule)"
    assert responsible_official("chu-tich", filed, [], known) == "can-bo"
    moved = ["truong-phong: việc của phòng"]
    assert responsible_official("chu-tich", filed, moved, known) == "truong-phong"
    assert responsible_official("chu-tich", "giao nobody (rule)", [], known) == "chu-tich"


def test_summary_as_json_and_as_text():
    s = summarize(CASES, NOW, OFFICE.__getitem__, since=NOW - 30 * DAY)
    data = as_dict(s, {"category": {"ha-tang": "Đường sá"}})
    assert data["total"]["on_time_rate"] == 0.2 and data["average_rating"] == 4.0
    assert [o["office"] for o in data["offices_ranked"]] == ["Phòng A", "Phòng B"]
    assert data["by_category"][0] == {"id": "ha-tang", "name": "Đường sá", **data["by_category"][0]}
    text = summary_text(s, {"category": {"ha-tang": "Đường sá"}})
    assert "Tiếp nhận: <b>6</b>" in text and "Quá hạn: <b>2</b>" in text
    assert "Tỷ lệ đúng hạn: <b>20%</b> (1/5)" in text
    assert "Mức hài lòng: <b>4,0/5</b> (2 lượt đánh giá)" in text
    assert "1. Phòng A: 33% (1/3) · quá hạn 1" in text
    assert "• Đường sá: 3 (giải quyết 2, quá hạn 1)" in text
    assert "Không ghi xã, phường" in text
    assert duration(6.0) == "6,0 giờ" and duration(192.0) == "8,0 ngày"


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (datetime(2026, 12, 7, 0, 30, tzinfo=UTC), date(2026, 11, 23)),  # Monday 07:30: not yet
        (datetime(2026, 12, 7, 1, 0, tzinfo=UTC), date(2026, 11, 30)),  # Monday 08:00 sharp
        (datetime(2026, 12, 13, 16, 0, tzinfo=UTC), date(2026, 11, 30)),  # Sunday 23:00
    ],
)
def test_the_weekly_report_due_is_on_the_last_whole_week(now: datetime, week: date):
    kb = load_knowledge(KNOWLEDGE)  # weekly_report: mon 08:00
    service = ReportService(kb, store=None, clock=FakeClock(now))  # type: ignore[arg-type]
    assert service.due_week(now) == week
