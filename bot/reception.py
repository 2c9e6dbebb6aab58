"""When and where citizens are received (lịch tiếp công dân): the next concrete dates of each
session for a commune, from the rules of knowledge/reception.yaml. Pure: `now` is passed in."""

from __future__ import annotations

import calendar as months
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.knowledge.complaint_schema import Commune
from bot.knowledge.handoff_schema import WEEKDAYS, parse_hhmm
from bot.knowledge.reception_schema import Reception, Session
from bot.workdays import VN_TZ, WorkCalendar

HORIZON_DAYS = 400  # look this far ahead for sessions (a monthly one, a long rotation)
SHOWN = 2  # sessions shown for each rule


@dataclass(frozen=True)
class Occurrence:
    """One session on a concrete day, at a concrete place."""

    day: date
    place: str
    commune_id: str | None = None  # the commune of a rotating session's stop


@dataclass(frozen=True)
class Upcoming:
    """A rule's next sessions for the citizen, and, for a rotation, the next in their commune."""

    session: Session
    next: list[Occurrence]
    in_commune: Occurrence | None = None


class ReceptionSchedule:
    """The reception rules over Vietnam's working-day calendar."""

    def __init__(
        self, config: Reception, communes: Mapping[str, Commune], calendar: WorkCalendar
    ) -> None:
        self.config = config
        self.communes = communes
        self.calendar = calendar

    def for_commune(self, commune_id: str | None, now: datetime) -> list[Upcoming]:
        """Every rule that concerns the citizen, with its next dates: the province's rules
        always, commune rules only once the commune is known."""
        commune = self.communes.get(commune_id or "")
        # A commune's own published schedule replaces the general rule for the same person.
        own = {
            s.who for s in self.config.sessions if commune is not None and commune.id in s.communes
        }
        out = []
        for session in self.config.sessions:
            if session.level == "xã":
                if commune is None or (session.communes and commune.id not in session.communes):
                    continue
                if not session.communes and session.who in own:
                    continue
            out.append(self._upcoming(session, commune, now))
        return out

    def _upcoming(self, session: Session, commune: Commune | None, now: datetime) -> Upcoming:
        occurrences = self._occurrences(session, commune, now)
        shown = [o for _, o in zip(range(SHOWN), occurrences, strict=False)]
        in_commune = None
        if session.rotation and commune is not None:
            found = (o for o in self._occurrences(session, commune, now) if o.commune_id)
            in_commune = next((o for o in found if o.commune_id == commune.id), None)
        return Upcoming(session, shown, in_commune)

    def _occurrences(
        self, session: Session, commune: Commune | None, now: datetime
    ) -> Iterator[Occurrence]:
        """Sessions held from now on (one still under way today counts), days off skipped."""
        local = now.astimezone(VN_TZ)
        today = local.date()
        turn = self._turn(session, today)
        for day in self._held_days(session, today):
            if day == today and local.time() >= parse_hhmm(session.end):
                turn += 1  # already over: it took its turn in the rotation
                continue
            if session.rotation:
                stop = session.rotation[turn % len(session.rotation)]
                turn += 1
                name = self.communes[stop.commune].name
                yield Occurrence(day, f"{stop.place}, {name}", stop.commune)
            else:
                name = commune.name if commune else ""
                yield Occurrence(day, session.place.replace("{commune}", name))

    def _turn(self, session: Session, today: date) -> int:
        """How many rotating sessions were held before today since the rotation started."""
        if session.rotation_start is None or session.rotation_start >= today:
            return 0
        span = (today - session.rotation_start).days
        return sum(1 for _ in self._held_days(session, session.rotation_start, span))

    def _held_days(self, session: Session, start: date, days: int = HORIZON_DAYS) -> Iterator[date]:
        """Days in [start, start + days) the rule falls on and offices work."""
        end = start + timedelta(days=days)
        for day in _rule_days(session, start):
            if day >= end:
                return
            if self.calendar.is_working_day(day):
                yield day


def _rule_days(session: Session, start: date) -> Iterator[date]:
    """Every day from `start` on that the rule names, working or not."""
    weekday = WEEKDAYS.index(session.weekday)
    if session.every == "week":
        day = start + timedelta(days=(weekday - start.weekday()) % 7)
        while True:
            yield day
            day += timedelta(days=7)
    year, month = start.year, start.month
    while True:
        day = _nth_weekday(year, month, weekday, session.week or 1)
        if day >= start:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1-4; -1: last) given weekday of a month."""
    if nth == -1:
        last = date(year, month, months.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
