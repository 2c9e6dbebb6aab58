"""Strict model of the reports knowledge: the leaders' chat, the weekly report, who may look."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, field_validator

from bot.knowledge.handoff_schema import WEEKDAYS, Weekday, parse_hhmm
from bot.knowledge.schema import ShortText, Strict


class WeeklyReport(Strict):
    """When the weekly report (text and chart) goes to the leaders' chat, Vietnam time."""

    day: Weekday
    time: str  # "HH:MM", 24-hour
    weeks: int = Field(default=8, ge=2, le=52)  # weeks shown in the trend

    @field_validator("time")
    @classmethod
    def _clock_time(cls, v: str) -> str:
        parse_hhmm(v)
        return v

    @property
    def at(self) -> dt.time:
        return parse_hhmm(self.time)

    @property
    def weekday(self) -> int:
        """Monday = 0, as `date.weekday()` counts."""
        return WEEKDAYS.index(self.day)


class Leader(Strict):
    """A leader who is not in officials.yaml but may read the statistics (/thongke)."""

    telegram_id: int
    title: ShortText  # e.g. "Phó Chủ tịch UBND tỉnh"; no name is needed to grant access


class Reports(Strict):
    """Statistics for leaders: where the weekly report goes and who may ask for statistics.

    Every official of officials.yaml may use /thongke in a private chat; so may the `leaders`
    listed here; in a group, only the leaders' chat may."""

    leaders_chat_id: int
    weekly_report: WeeklyReport | None = None  # no weekly report when omitted
    leaders: list[Leader] = Field(default_factory=list)

    @field_validator("leaders")
    @classmethod
    def _no_repeats(cls, v: list[Leader]) -> list[Leader]:
        ids = [x.telegram_id for x in v]
        repeated = sorted({str(i) for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"mã Telegram bị ghi lặp: {', '.join(repeated)}")
        return v
