"""Strict model of the handoff knowledge: who answers what the bot could not, and when."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from bot.knowledge.schema import Id, Sourced, Strict

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Index of each weekday as `date.weekday()` counts them (Monday = 0).
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# "07:30" as the file asks; "7:30" is accepted too, since staff often write the hour that way.
_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def parse_hhmm(value: str) -> time:
    """The time of day written as "HH:MM" (24-hour); ValueError, in Vietnamese, otherwise."""
    match = _HHMM.match(value.strip())
    if match is None:
        raise ValueError(
            f'giờ "{value}" không hợp lệ: viết dạng GIỜ:PHÚT theo 24 giờ, '
            'từ "00:00" đến "23:59" (ví dụ "07:30", "13:00")'
        )
    return time(int(match.group(1)), int(match.group(2)))


def _clock_text(value: str) -> str:
    parse_hhmm(value)
    return value


ClockTime = Annotated[str, AfterValidator(_clock_text)]  # "HH:MM", 24-hour


class Shift(Strict):
    """One opening period on the listed weekdays, e.g. mornings Monday–Friday 07:30–11:30.

    The end is exclusive: at 11:30 the office is already closed."""

    days: list[Weekday] = Field(min_length=1)
    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _start_before_end(self) -> Shift:
        if parse_hhmm(self.start) >= parse_hhmm(self.end):
            raise ValueError(
                f"giờ mở cửa ({self.start}) phải sớm hơn giờ đóng cửa ({self.end}); "
                "ca qua nửa đêm thì tách thành hai ca"
            )
        return self

    @property
    def start_time(self) -> time:
        return parse_hhmm(self.start)

    @property
    def end_time(self) -> time:
        return parse_hhmm(self.end)


class Handoff(Sourced):
    """Who answers citizens' questions the bot could not, and when they are at work."""

    operators_chat_id: int  # the operators' Telegram group
    staff: list[Id] = Field(min_length=1)  # official ids (officials.yaml) who may claim and answer
    show_staff_name: bool  # relay answers with the staff member's name and title
    idle_minutes: int = Field(ge=5, le=10080)  # a conversation idle this long is closed
    remind_after_minutes: int = Field(ge=1, le=10080)  # remind the group when a question waits
    working_hours: list[Shift] = Field(min_length=1)

    @field_validator("staff")
    @classmethod
    def _no_repeats(cls, v: list[str]) -> list[str]:
        repeated = sorted({s for s in v if v.count(s) > 1})
        if repeated:
            raise ValueError(f"mã cán bộ bị ghi lặp: {', '.join(repeated)}")
        return v
