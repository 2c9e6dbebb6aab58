"""The statistics summary as text for leaders (HTML for Telegram, short lines for a phone)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from html import escape

from bot import stats_texts as t
from bot.statistics import Counts, Summary
from bot.workdays import VN_TZ

TOP = 5  # lines per grouping; the rest is summed up in one line


def vn_number(value: float, digits: int = 1) -> str:
    """A number as Vietnamese writes it: decimal comma ("4,3")."""
    return f"{value:.{digits}f}".replace(".", ",")


def percent(rate: float) -> str:
    return f"{100 * rate:.0f}%"


def duration(hours: float | None) -> str:
    """Hours under two days, days beyond ("5,2 giờ", "3,1 ngày")."""
    if hours is None:
        return t.NO_DURATION
    if hours < 48:
        return t.HOURS.format(value=vn_number(hours))
    return t.DAYS.format(value=vn_number(hours / 24))


def day_text(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y")


def _groups(title: str, groups: Mapping[str, Counts], names: Mapping[str, str]) -> list[str]:
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1].received, kv[0]))
    lines = [title]
    for key, c in ordered[:TOP]:
        name = escape(names.get(key, key) or t.NO_COMMUNE)
        lines.append(
            t.GROUP_LINE.format(
                name=name, received=c.received, resolved=c.resolved, overdue=c.overdue
            )
        )
    if len(ordered) > TOP:
        lines.append(t.MORE.format(count=len(ordered) - TOP))
    return lines


def _ranking(s: Summary) -> list[str]:
    lines = [t.RANKING_TITLE]
    for n, (office, c) in enumerate(s.offices_ranked(), 1):
        rate = c.on_time_rate
        if rate is None:
            lines.append(
                t.RANKING_UNDECIDED.format(n=n, office=escape(office), received=c.received)
            )
            continue
        line = t.RANKING_LINE.format(
            n=n,
            office=escape(office),
            rate=percent(rate),
            on_time=c.on_time,
            decided=c.on_time + c.late,
        )
        lines.append(line + (t.RANKING_OVERDUE.format(overdue=c.overdue) if c.overdue else ""))
    return lines


def summary_text(s: Summary, names: Mapping[str, Mapping[str, str]]) -> str:
    """The whole summary: totals, rates, ranking of offices, and the main groupings.

    `names` maps "type", "category" and "commune" keys to the names people read."""
    period = (
        t.PERIOD_SINCE.format(since=day_text(s.since), until=day_text(s.until))
        if s.since
        else t.PERIOD_ALL.format(until=day_text(s.until))
    )
    if not s.total.received:
        return "\n".join([t.TITLE, period, "", t.EMPTY])
    total = s.total
    rate = total.on_time_rate
    on_time = (
        t.ON_TIME_NONE
        if rate is None
        else t.ON_TIME.format(
            rate=percent(rate), on_time=total.on_time, decided=total.on_time + total.late
        )
    )
    average = s.average_rating
    rating = (
        t.RATING_NONE
        if average is None
        else t.RATING.format(average=vn_number(average), count=len(s.ratings))
    )
    lines = [
        t.TITLE,
        period,
        "",
        t.TOTALS.format(
            received=total.received,
            waiting=total.waiting,
            in_progress=total.in_progress,
            resolved=total.resolved,
            overdue=total.overdue,
        ),
        on_time,
        t.APOLOGIES.format(count=s.apologies),
        rating,
        t.MEDIAN_ACK.format(duration=duration(s.median_hours_to_acknowledge)),
        t.MEDIAN_RESOLVE.format(duration=duration(s.median_hours_to_resolve)),
        "",
        *_ranking(s),
        "",
        *_groups(t.BY_TYPE, s.by_type, names.get("type", {})),
        "",
        *_groups(t.BY_CATEGORY, s.by_category, names.get("category", {})),
        "",
        *_groups(t.BY_COMMUNE, s.by_commune, names.get("commune", {})),
    ]
    return "\n".join(lines)
