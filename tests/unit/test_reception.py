"""The reception schedule's next dates: weekly and monthly rules, days off skipped, a session
already over today, rotations through hamlets, and a commune's own schedule."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from bot.knowledge.complaint_schema import Commune
from bot.knowledge.loader import load_knowledge, problems_of
from bot.knowledge.reception_schema import Reception
from bot.reception import ReceptionSchedule
from bot.workdays import VN_TZ, WorkCalendar
from tests.conftest import ROOT

MINI = ROOT / "tests" / "data" / "kb_min"

COMMUNES = {
    c: Commune(id=c, name=n, kind="xã", source="thử", verified=True)
    for c, n in (("xa-a", "Xã A"), ("xa-b", "Xã B"), ("xa-c", "Xã C"))
}


def session(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "chu-tich-xa",
        "who": "Chủ tịch UBND xã",
        "level": "xã",
        "every": "week",
        "weekday": "thu",
        "start": "07:30",
        "end": "11:30",
        "place": "Trụ sở UBND {commune}",
        "source": "thử",
        "verified": False,
    }
    return base | fields


def schedule(*sessions: dict[str, Any], days_off: tuple[date, ...] = ()) -> ReceptionSchedule:
    config = Reception.model_validate(
        {
            "procedure": "tiep-cong-dan",
            "law": "Luật Tiếp công dân 2013",
            "sessions": list(sessions),
            "source": "thử",
            "verified": True,
        }
    )
    return ReceptionSchedule(config, COMMUNES, WorkCalendar(days_off=days_off))


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A moment in Vietnam time, as the clock gives it (UTC)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=VN_TZ).astimezone(UTC)


def days(upcoming: Any) -> list[date]:
    return [o.day for o in upcoming.next]


def test_weekly_commune_session_gives_the_next_thursdays_at_the_communes_office():
    [weekly] = schedule(session()).for_commune("xa-a", at(date(2026, 12, 7)))  # a Monday
    assert days(weekly) == [date(2026, 12, 10), date(2026, 12, 17)]
    assert weekly.next[0].place == "Trụ sở UBND Xã A"


def test_todays_session_counts_until_it_ends():
    thursday = date(2026, 12, 10)
    [during] = schedule(session()).for_commune("xa-a", at(thursday, 11, 0))
    [after] = schedule(session()).for_commune("xa-a", at(thursday, 11, 30))
    assert days(during)[0] == thursday and days(after)[0] == date(2026, 12, 17)


def test_holidays_and_the_calendars_days_off_are_skipped():
    # Thursday 04/02/2027 is in the Tết break (holidays package); 18/02 is made a day off here.
    [weekly] = schedule(session(), days_off=(date(2027, 2, 18),)).for_commune(
        "xa-a", at(date(2027, 2, 1))
    )
    assert days(weekly) == [date(2027, 2, 11), date(2027, 2, 25)]


def test_monthly_rules_take_the_nth_or_last_weekday_of_the_month():
    third = session(id="tinh", level="tỉnh", every="month", week=3, place="Trụ sở tỉnh")
    last = session(id="cuoi", level="tỉnh", every="month", week=-1, weekday="fri", place="X")
    one, two = schedule(third, last).for_commune(None, at(date(2026, 12, 18)))
    assert days(one) == [date(2027, 1, 21), date(2027, 2, 18)]  # 17/12 has passed
    # Last Friday of January 2027 is the 29th; of December 2026 the 25th.
    assert days(two) == [date(2026, 12, 25), date(2027, 1, 29)]


def test_province_sessions_are_shown_without_a_commune_and_commune_ones_only_with_it():
    rules = (session(), session(id="tinh", level="tỉnh", every="month", week=1, place="T"))
    assert [u.session.id for u in schedule(*rules).for_commune(None, at(date(2026, 12, 7)))] == [
        "tinh"
    ]
    shown = schedule(*rules).for_commune("xa-b", at(date(2026, 12, 7)))
    assert [u.session.id for u in shown] == ["chu-tich-xa", "tinh"]


def test_a_communes_own_schedule_replaces_the_general_rule():
    own = session(id="xa-b-rieng", communes=["xa-b"], weekday="tue", place="Nhà văn hóa {commune}")
    rules = schedule(session(), own)
    [b] = rules.for_commune("xa-b", at(date(2026, 12, 7)))
    assert b.session.id == "xa-b-rieng" and days(b)[0] == date(2026, 12, 8)
    assert b.next[0].place == "Nhà văn hóa Xã B"
    [a] = rules.for_commune("xa-a", at(date(2026, 12, 7)))
    assert a.session.id == "chu-tich-xa"


def test_a_rotation_moves_one_stop_per_session_held_and_finds_the_citizens_commune():
    friday = session(
        id="ap",
        level="tỉnh",
        weekday="fri",
        place="ấp",
        rotation_start=date(2026, 12, 4),
        rotation=[
            {"commune": "xa-a", "place": "Ấp 1"},
            {"commune": "xa-b", "place": "Ấp 2"},
            {"commune": "xa-c", "place": "Ấp 3"},
        ],
    )
    # Held 04/12 (Ấp 1), 11/12 (Ấp 2), 18/12 (Ấp 3); 25/12 is Ấp 1 again; Friday 01/01/2027 is
    # New Year's Day: not held, so the turn does not move and 08/01 is Ấp 2.
    [rot] = schedule(friday).for_commune("xa-c", at(date(2026, 12, 21)))
    assert [(o.day, o.place) for o in rot.next] == [
        (date(2026, 12, 25), "Ấp 1, Xã A"),
        (date(2027, 1, 8), "Ấp 2, Xã B"),
    ]
    assert rot.in_commune is not None and rot.in_commune.day == date(2027, 1, 15)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"every": "month"}, "week"),
        ({"week": 2}, "không dùng `week`"),
        ({"start": "12:00", "end": "08:00"}, "sớm hơn"),
        ({"weekday": "sat"}, "weekday"),
        ({"rotation_start": date(2026, 1, 2)}, "đi cùng nhau"),
    ],
)
def test_editing_mistakes_are_refused_in_plain_words(fields: dict[str, Any], message: str):
    with pytest.raises(ValidationError) as caught:
        schedule(session(**fields))
    assert message in str(caught.value)


def test_the_checker_names_file_line_and_field_of_unknown_procedures_and_communes(tmp_path):
    folder = tmp_path / "kb"
    shutil.copytree(MINI, folder)
    (folder / "reception.yaml").write_text(
        "procedure: tiep-dan\n"
        "law: Luật Tiếp công dân 2013\n"
        "source: thử\n"
        "verified: true\n"
        "sessions:\n"
        "  - id: ap\n"
        "    who: Lãnh đạo tỉnh\n"
        "    level: tỉnh\n"
        "    every: week\n"
        "    weekday: fri\n"
        '    start: "07:30"\n'
        '    end: "11:30"\n'
        "    place: ấp\n"
        "    rotation_start: 2026-12-04\n"
        "    rotation:\n"
        "      - {commune: xa-tan-hiep, place: Ấp 1}\n"
        "      - {commune: xa-khong-co, place: Ấp 2}\n"
        "    source: thử\n"
        "    verified: false\n",
        encoding="utf-8",
    )
    assert [str(p) for p in problems_of(folder)] == [
        'reception.yaml:1 procedure: không có thủ tục mã "tiep-dan" trong procedures/',
        "reception.yaml:17 sessions[1].rotation[2].commune: "
        'không có xã, phường mã "xa-khong-co" trong communes.yaml',
    ]
    (folder / "reception.yaml").write_text(
        (folder / "reception.yaml")
        .read_text(encoding="utf-8")
        .replace("tiep-dan", "khai-sinh")
        .replace("xa-khong-co", "phuong-my-tho"),
        encoding="utf-8",
    )
    assert load_knowledge(folder).reception is not None
