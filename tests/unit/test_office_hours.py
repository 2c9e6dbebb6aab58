"""Office hours: when staff answer, on top of Vietnam's working days, and how the bot says it."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.knowledge.handoff_schema import Handoff, Shift
from bot.knowledge.loader import read_yaml
from bot.office_hours import OfficeHours, describe_opening
from bot.workdays import VN_TZ, WorkCalendar

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
ONE_STOP = [  # typical one-stop hours (procedures.md 11.2)
    Shift(days=WEEKDAYS, start="07:30", end="11:30"),
    Shift(days=WEEKDAYS, start="13:00", end="17:00"),
    Shift(days=["sat"], start="07:30", end="11:30"),
]
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


def vn(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given in Vietnam time, as the bot receives it: aware, in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ).astimezone(UTC)


def local(moment: datetime) -> tuple[date, int, int]:
    here = moment.astimezone(VN_TZ)
    return here.date(), here.hour, here.minute


@pytest.fixture
def hours() -> OfficeHours:
    return OfficeHours(ONE_STOP, WorkCalendar())


def test_open_on_a_tuesday_morning(hours: OfficeHours):
    moment = vn(2026, 12, 1, 9)  # Tuesday 09:00 ICT = 02:00 UTC
    assert moment.hour == 2
    assert hours.is_open(moment)
    assert hours.next_opening(moment) == moment


def test_shift_start_is_open_and_end_is_closed(hours: OfficeHours):
    assert hours.is_open(vn(2026, 12, 1, 7, 30))
    assert not hours.is_open(vn(2026, 12, 1, 7, 29))
    assert not hours.is_open(vn(2026, 12, 1, 11, 30))
    assert not hours.is_open(vn(2026, 12, 1, 17, 0))


def test_lunch_break_reopens_the_same_afternoon(hours: OfficeHours):
    now = vn(2026, 12, 1, 12)
    assert not hours.is_open(now)
    opening = hours.next_opening(now)
    assert opening.tzinfo is UTC  # same zone as the moment given
    assert local(opening) == (date(2026, 12, 1), 13, 0)
    assert describe_opening(opening, now) == "chiều nay, 13 giờ"


def test_friday_evening_opens_saturday_morning(hours: OfficeHours):
    now = vn(2026, 12, 4, 17, 30)
    assert not hours.is_open(now)
    opening = hours.next_opening(now)
    assert local(opening) == (date(2026, 12, 5), 7, 30)
    assert describe_opening(opening, now) == "sáng mai, 7 giờ 30"


def test_saturday_noon_opens_monday_morning(hours: OfficeHours):
    now = vn(2026, 12, 5, 12)
    assert not hours.is_open(now)
    assert not hours.is_open(vn(2026, 12, 6, 9))  # Sunday: no shift
    opening = hours.next_opening(now)
    assert local(opening) == (date(2026, 12, 7), 7, 30)
    assert describe_opening(opening, now) == "sáng thứ Hai (07/12), 7 giờ 30"


def test_tet_is_closed_until_the_monday_after(hours: OfficeHours):
    # Tết Bính Ngọ: holidays Monday 16 to Friday 20/02/2026; the break covers both weekends.
    now = vn(2026, 2, 17, 9)
    assert not hours.is_open(now)
    assert not hours.is_open(vn(2026, 2, 14, 9))  # Saturday before Tết
    assert not hours.is_open(vn(2026, 2, 21, 9))  # Saturday after Tết
    opening = hours.next_opening(now)
    assert local(opening) == (date(2026, 2, 23), 7, 30)
    assert describe_opening(opening, now) == "sáng thứ Hai (23/02), 7 giờ 30"


def test_an_ordinary_saturday_opens_only_in_the_morning(hours: OfficeHours):
    assert hours.is_open(vn(2026, 12, 5, 9))
    assert not hours.is_open(vn(2026, 12, 5, 14))


def test_a_make_up_saturday_opens():
    weekdays_only = ONE_STOP[:2]
    make_up = date(2026, 1, 10)
    plain = OfficeHours(weekdays_only, WorkCalendar())
    assert not plain.is_open(vn(2026, 1, 10, 9))
    # No Saturday shift: the make-up day works Monday's hours, afternoon included.
    swapped = OfficeHours(weekdays_only, WorkCalendar(working_days=[make_up]))
    assert swapped.is_open(vn(2026, 1, 10, 9))
    assert swapped.is_open(vn(2026, 1, 10, 14))
    assert local(swapped.next_opening(vn(2026, 1, 9, 18))) == (make_up, 7, 30)
    # With a Saturday shift, the make-up day works the Saturday hours.
    with_saturday = OfficeHours(ONE_STOP, WorkCalendar(working_days=[make_up]))
    assert with_saturday.is_open(vn(2026, 1, 10, 9))
    assert not with_saturday.is_open(vn(2026, 1, 10, 14))


def test_a_swapped_day_off_is_closed():
    # Friday 02/01/2026 given off after New Year's Day; the weekend joins the break.
    cal = WorkCalendar(days_off=[date(2026, 1, 2)])
    hours = OfficeHours(ONE_STOP, cal)
    now = vn(2026, 1, 2, 9)
    assert not hours.is_open(now)
    assert OfficeHours(ONE_STOP, WorkCalendar()).is_open(now)
    assert local(hours.next_opening(now)) == (date(2026, 1, 5), 7, 30)


def test_nothing_open_within_thirty_days_is_an_error():
    start = date(2026, 3, 2)
    cal = WorkCalendar(days_off=[start + timedelta(days=n) for n in range(40)])
    with pytest.raises(LookupError):
        OfficeHours(ONE_STOP[:2], cal).next_opening(vn(2026, 3, 2, 9))


def test_naive_datetimes_are_refused(hours: OfficeHours):
    with pytest.raises(ValueError):
        hours.is_open(datetime(2026, 12, 1, 9))


def test_describe_opening_parts_of_day_and_minutes():
    now = vn(2026, 12, 1, 6)  # Tuesday
    assert describe_opening(vn(2026, 12, 1, 8), now) == "sáng nay, 8 giờ"
    assert describe_opening(vn(2026, 12, 1, 11, 5), now) == "trưa nay, 11 giờ 05"
    assert describe_opening(vn(2026, 12, 1, 18), now) == "tối nay, 18 giờ"
    assert describe_opening(vn(2026, 12, 2, 13), now) == "chiều mai, 13 giờ"
    assert describe_opening(vn(2026, 12, 5, 13), now) == "chiều thứ Bảy (05/12), 13 giờ"
    assert describe_opening(vn(2026, 12, 6, 8), now) == "sáng Chủ nhật (06/12), 8 giờ"


def test_today_and_tomorrow_are_judged_in_vietnam_time():
    # 23:30 UTC Monday is already Tuesday 06:30 in Vietnam: 07:30 the same Tuesday is "nay".
    now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert describe_opening(vn(2026, 12, 1, 7, 30), now) == "sáng nay, 7 giờ 30"


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("25:00", "26:00", "không hợp lệ"),
        ("07:60", "11:30", "không hợp lệ"),
        ("7h30", "11:30", "không hợp lệ"),
        ("13:00", "11:30", "phải sớm hơn"),
        ("07:30", "07:30", "phải sớm hơn"),
    ],
)
def test_invalid_shift_times(start: str, end: str, words: str):
    with pytest.raises(ValidationError) as exc:
        Shift(days=["mon"], start=start, end=end)
    assert words in str(exc.value)


def test_unknown_weekday_and_empty_days_are_refused():
    with pytest.raises(ValidationError):
        Shift(days=["monday"], start="07:30", end="11:30")
    with pytest.raises(ValidationError):
        Shift(days=[], start="07:30", end="11:30")


def test_the_handoff_file_is_valid():
    located, problems = read_yaml(KNOWLEDGE / "handoff.yaml", KNOWLEDGE)
    assert not problems and located is not None
    handoff = Handoff.model_validate(located.data)
    assert handoff.staff == ["cb-pakn-tinh", "gd-tt-pvhcc"]
    hours = OfficeHours(handoff.working_hours, WorkCalendar())
    assert hours.is_open(vn(2026, 12, 5, 9))  # Saturday morning
