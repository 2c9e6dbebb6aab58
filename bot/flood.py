"""Per-user message rate: a sliding one-minute window, answered politely once, then quiet.

The window lives in this process's memory: with several instances behind one webhook each
counts what it receives, so a user may send up to (instances × limit) a minute. That bounds
floods well enough for a chat bot; the limit that matters across instances, complaints per
day, is counted in the database (bot.casework).
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from enum import Enum

WINDOW = timedelta(minutes=1)
MAX_TRACKED = 50_000  # users remembered at once; the oldest are forgotten beyond that


class Verdict(Enum):
    """What to do with one update of a user."""

    allow = "allow"
    refuse = "refuse"  # over the limit: say so politely (once per window)
    ignore = "ignore"  # over the limit and already told: drop without a word


class FloodGate:
    """Counts each user's updates in the last minute against `per_minute`."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[int, deque[datetime]] = {}
        self._told: dict[int, datetime] = {}

    def check(self, user_id: int, now: datetime) -> Verdict:
        """Record one update of `user_id` at `now` and say whether to handle it."""
        times = self._seen.pop(user_id, None) or deque()
        self._seen[user_id] = times  # re-inserted: dict order is least recently active first
        while times and now - times[0] >= WINDOW:
            times.popleft()
        if len(self._seen) > MAX_TRACKED:
            oldest = next(iter(self._seen))
            del self._seen[oldest]
            self._told.pop(oldest, None)
        if len(times) < self.per_minute:
            times.append(now)
            return Verdict.allow
        told = self._told.get(user_id)
        if told is not None and now - told < WINDOW:
            return Verdict.ignore
        self._told[user_id] = now
        return Verdict.refuse
