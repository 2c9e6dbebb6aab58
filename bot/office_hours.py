"""When staff are at work to answer citizens, and how to say it in Vietnamese.

Pure: no clock and no I/O; the caller always passes "now" in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from bot.knowledge.handoff_schema import WEEKDAYS, Shift
from bot.workdays import VN_TZ, WorkCalendar

SEARCH_DAYS = 30
MONDAY, FRIDAY, SATURDAY = 0, 4, 5

# Thứ Hai … Thứ Bảy, Chủ nhật, as written inside a sentence.
WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

Period = tuple[time, time]  # [start, end): the end itself is already closed


class OfficeHours:
    """Opening hours of the people who answer, on top of Vietnam's working-day calendar.

    A weekday (Monday–Friday) opens with its shifts only when the calendar says it is a working
    day, so public holidays and swapped days off stay closed. Weekend shifts (Saturday mornings
    at one-stop centres) run on ordinary weekends, but not on a weekend that belongs to a holiday
    break — one touching a holiday or day off on the Friday before or the Monday after, as the
    Government announces breaks ("nghỉ từ thứ Bảy … đến hết thứ Hai …"), Tết included. A make-up
    working weekend day opens with that day's shifts if any, else with Monday's: it stands in for
    an ordinary working day.
    """

    def __init__(self, shifts: Sequence[Shift], calendar: WorkCalendar) -> None:
        self._calendar = calendar
        periods: list[list[Period]] = [[] for _ in WEEKDAYS]
        for shift in shifts:
            for day in shift.days:
                periods[WEEKDAYS.index(day)].append((shift.start_time, shift.end_time))
        self._periods = [sorted(set(p)) for p in periods]

    def is_open(self, moment: datetime) -> bool:
        """Whether someone is at work at `moment` (aware), judged in Vietnam time."""
        local = _in_vietnam(moment)
        now = local.time()
        return any(start <= now < end for start, end in self._periods_on(local.date()))

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when open, else the start of the next shift, in `moment`'s time zone.

        Looks at most 30 days ahead; LookupError when nothing opens in that time (a calendar or
        hours file that leaves the office shut for a month is an editing mistake)."""
        local = _in_vietnam(moment)
        today = local.date()
        now = local.time()
        for offset in range(SEARCH_DAYS + 1):
            day = today + timedelta(days=offset)
            for start, end in self._periods_on(day):
                if offset == 0 and start <= now < end:
                    return moment
                if offset > 0 or start > now:
                    opening = datetime.combine(day, start, tzinfo=VN_TZ)
                    return opening.astimezone(moment.tzinfo)
        raise LookupError(f"không có giờ làm việc nào trong {SEARCH_DAYS} ngày tới")

    def _periods_on(self, day: date) -> list[Period]:
        weekday = day.weekday()
        if self._calendar.is_working_day(day):
            if weekday >= SATURDAY:  # a make-up working day
                return self._periods[weekday] or self._periods[MONDAY]
            return self._periods[weekday]
        if weekday < SATURDAY or self._in_holiday_break(day):
            return []
        return self._periods[weekday]

    def _in_holiday_break(self, weekend_day: date) -> bool:
        # The calendar has no public "is this Saturday a holiday" question, but a holiday on a
        # weekend is always given back on a weekday next to it, and multi-day breaks (Tết, 30/4
        # with 1/5, Quốc khánh) span the weekend: both show on the Friday or the Monday.
        friday = weekend_day - timedelta(days=weekend_day.weekday() - FRIDAY)
        monday = weekend_day + timedelta(days=7 - weekend_day.weekday())
        return not (self._calendar.is_working_day(friday) and self._calendar.is_working_day(monday))


def describe_opening(opening: datetime, now: datetime) -> str:
    """When a person will answer, as Vietnamese says it: "chiều nay, 13 giờ",
    "sáng mai, 7 giờ 30", "sáng thứ Hai (01/12), 7 giờ 30". Days are judged in Vietnam time."""
    local = _in_vietnam(opening)
    days_ahead = (local.date() - _in_vietnam(now).date()).days
    if days_ahead == 0:
        day = f"{_part_of_day(local.time())} nay"
    elif days_ahead == 1:
        day = f"{_part_of_day(local.time())} mai"
    else:
        # Beyond tomorrow the weekday alone is ambiguous (this week or next?): add the date.
        name = WEEKDAY_NAMES[local.weekday()]
        day = f"{_part_of_day(local.time())} {name} ({local:%d/%m})"
    clock = f"{local.hour} giờ" if local.minute == 0 else f"{local.hour} giờ {local.minute:02d}"
    return f"{day}, {clock}"


def _part_of_day(moment: time) -> str:
    if moment.hour < 11:
        return "sáng"
    if moment.hour < 13:
        return "trưa"
    if moment.hour < 18:
        return "chiều"
    return "tối"


def _in_vietnam(moment: datetime) -> datetime:
    # A naive datetime would silently be read as the server's local time, which is UTC in
    # production and Vietnam time on a developer's laptop: refuse it instead.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("cần thời điểm có múi giờ (aware datetime)")
    return moment.astimezone(VN_TZ)
