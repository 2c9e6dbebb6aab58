"""The per-user message window: allow up to the limit, refuse once, then stay quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.flood import FloodGate, Verdict

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def test_over_the_limit_one_refusal_then_silence_until_the_window_moves():
    gate = FloodGate(per_minute=3)
    seen = [gate.check(1, T0 + timedelta(seconds=i)) for i in range(6)]
    assert seen == [Verdict.allow] * 3 + [Verdict.refuse, Verdict.ignore, Verdict.ignore]
    assert gate.check(2, T0 + timedelta(seconds=6)) is Verdict.allow  # others are not slowed
    # A minute after the first message it no longer counts: one more is allowed…
    assert gate.check(1, T0 + timedelta(seconds=60)) is Verdict.allow
    # …but the window is full again, and the user was told less than a minute ago.
    assert gate.check(1, T0 + timedelta(seconds=60)) is Verdict.ignore
    # Later the second and third have expired too: the user is heard again.
    assert gate.check(1, T0 + timedelta(seconds=63)) is Verdict.allow
