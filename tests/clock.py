"""A clock the tests move by hand, so deadlines pass without waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        # A Monday morning in Vietnam (02:00 UTC = 09:00 ICT), away from holidays.
        self.current = start or datetime(2026, 12, 7, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
